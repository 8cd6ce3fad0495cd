/**
 * The AclAuthorizer's ZooKeeper side (AclAuthorizer.startup + its two ZkNodeChangeNotificationListeners): loads
 * every ACL, then processes /kafka-acl-changes and /kafka-acl-extended-changes notifications whenever their children
 * change; a re-initialised session reloads everything. The cache and the decision live in
 * services/security/acl-authorizer.ts.
 *
 *   loading ──► processing ──► watching ──children changed──► processing
 *      ▲ session replaced (from any state)         └─ failure ──► retrying (1 s) ──► processing
 */
import { setup, fromPromise, fromCallback } from 'xstate';
import type { Logger } from '../logger.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import type { AclAuthorizer } from '../services/security/acl-authorizer.js';
import { ZK_EXTENDED_CHANGES, ZK_LITERAL_CHANGES } from '../services/security/acl.js';

export interface AclAuthorizerInput { handle: ZkHandle; authorizer: AclAuthorizer; log: Logger }
type Event = { type: 'acl.changed' } | { type: 'acl.reload' };

export const aclAuthorizerMachine = setup({
  types: {} as { context: AclAuthorizerInput; events: Event; input: AclAuthorizerInput },
  actors: {
    load: fromPromise<void, AclAuthorizerInput>(async ({ input }) => input.authorizer.loadAll(input.handle.current)),
    process: fromPromise<void, AclAuthorizerInput & { onChange: () => void }>(async ({ input }) => {
      const zk = input.handle.current;
      for (const path of [ZK_LITERAL_CHANGES, ZK_EXTENDED_CHANGES]) await input.authorizer.processChanges(zk, path, () => input.onChange());
    }),
    sessionWatch: fromCallback<Event, { handle: ZkHandle }>(({ input, sendBack }) => input.handle.on((e) => { if (e === 'replaced') sendBack({ type: 'acl.reload' }); })),
  },
  delays: { retry: 1000 },
}).createMachine({
  id: 'aclAuthorizer',
  context: ({ input }) => input,
  invoke: { src: 'sessionWatch', input: ({ context }) => ({ handle: context.handle }) },
  on: { 'acl.reload': '.loading' },
  initial: 'loading',
  states: {
    loading: {
      invoke: {
        src: 'load', input: ({ context }) => context,
        onDone: { target: 'processing', actions: ({ context }) => context.log.info({ resources: context.authorizer.cache.entries().length }, 'ACL cache loaded') },
        onError: { target: 'retryLoad', actions: ({ context, event }) => context.log.warn({ err: String(event.error) }, 'Loading ACLs failed; retrying') },
      },
    },
    retryLoad: { after: { retry: 'loading' } },
    processing: {
      on: { 'acl.changed': { target: 'processing', reenter: true } },
      invoke: {
        src: 'process', input: ({ context, self }) => ({ ...context, onChange: () => self.send({ type: 'acl.changed' }) }),
        onDone: 'watching',
        onError: { target: 'retrying', actions: ({ context, event }) => context.log.warn({ err: String(event.error) }, 'Processing ACL change notifications failed; retrying') },
      },
    },
    retrying: { on: { 'acl.changed': 'processing' }, after: { retry: 'processing' } },
    watching: { on: { 'acl.changed': 'processing' } },
  },
});
