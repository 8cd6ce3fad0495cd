/**
 * ZkConfigManager: watches /config/changes. A notification naming brokers/<default> or brokers/<this id>
 * re-reads both entities and applies the new effective config live; one naming topics/<t> re-reads
 * /config/topics/<t> and hands the overrides to the parent for the topic's logs (Kafka's TopicConfigHandler),
 * whoever wrote it (this broker, another broker, kafka-configs.sh). Like Kafka, every notification still present
 * is processed once at startup. Client quota entities (clients/<c>, users/<u>, users/<u>/clients/<c>) are loaded at
 * startup and re-read when notified (ClientQuotaConfigHandler).
 *
 *   processing ──► watching ──children changed / session re-initialised──► processing
 */
import { setup, assign, fromPromise, fromCallback, sendParent, enqueueActions } from 'xstate';
import type { Logger } from '../logger.js';
import type { ZkHandle } from '../services/zookeeper/zk-handle.js';
import type { KafkaConfig } from '../config/kafka-config.js';
import { readConfigChanges, type ConfigChangeBatch } from '../services/zookeeper/config-change-notifications.js';
import { ignoredEntriesBehind, loadDynamicBrokerConfig, reportIgnoredDynamicConfigs, type DynamicConfigLoad } from '../services/server/dynamic-config-loader.js';
import { loggableConfigValue } from '../services/config/dynamic-broker-config.js';
import { DEFAULT_ENTITY } from '../services/zookeeper/zk-data.js';
import { readTopicConfigs } from '../services/zookeeper/kafka-zk-client.js';
import type { ClientQuotaConfigHandler } from '../services/quota/client-quota-config.js';

export interface DynamicConfigInput {
  handle: ZkHandle; brokerId: number; staticProps: Record<string, string>; config: KafkaConfig; log: Logger;
  /** Ignored /config/brokers entries already warned about (default: those behind `config`, warned at startup). */
  reportedIgnored?: ReadonlySet<string>;
  /** Entities named by `users/<name>` notifications (Kafka's UserConfigHandler: SCRAM credentials, user quotas). */
  onUsersChanged?: (names: string[]) => void;
  /** Client quota entities (clients / users): loaded on the first pass, re-read when a notification names one. */
  clientQuotas?: ClientQuotaConfigHandler;
  /** This broker's /config/brokers/<id> entity, on each load (Kafka's BrokerConfigHandler: replication throttle rates). */
  onBrokerEntity?: (perBroker: Record<string, string>) => void;
}

interface Context extends DynamicConfigInput { lastSequence: number; applied: number; reportedIgnored: ReadonlySet<string> }

export type DynamicConfigEvent = { type: 'config.changed' } | { type: 'config.reread' };
export type DynamicConfigParentEvent =
  | { type: 'config.updated'; config: KafkaConfig; changed: string[] }
  | { type: 'topicConfig.updated'; topic: string; overrides: Record<string, string> };

interface ProcessResult { batch: ConfigChangeBatch; load: DynamicConfigLoad | null; topics: Array<{ topic: string; overrides: Record<string, string> }> }

export const dynamicConfigMachine = setup({
  types: {} as { context: Context; events: DynamicConfigEvent; input: DynamicConfigInput },
  actors: {
    processNotifications: fromPromise<ProcessResult, Context & { onChange: () => void }>(async ({ input }) => {
      const zk = input.handle.current;
      const batch = await readConfigChanges(zk, input.lastSequence, input.onChange);
      const mine = batch.changes.some((c) => c.type === 'brokers' && (c.name === DEFAULT_ENTITY || c.name === String(input.brokerId)));
      const load = mine ? await loadDynamicBrokerConfig(zk, input.brokerId, input.staticProps, input.config) : null;
      const names = [...new Set(batch.changes.filter((c) => c.type === 'topics').map((c) => c.name))];
      const topics = [...(await readTopicConfigs(zk, names))].map(([topic, overrides]) => ({ topic, overrides }));
      // Kafka's ClientIdConfigHandler / UserConfigHandler: every entity at startup, then the ones notified
      if (input.clientQuotas && input.lastSequence === -1) await input.clientQuotas.loadAll(zk);
      else if (input.clientQuotas) for (const c of batch.changes) if (c.type === 'clients' || c.type === 'users' || c.type === 'ips') await input.clientQuotas.reload(zk, c.type, c.name);
      return { batch, load, topics };
    }),
    sessionWatch: fromCallback<DynamicConfigEvent, { handle: ZkHandle }>(({ input, sendBack }) =>
      input.handle.on((e) => { if (e === 'replaced') sendBack({ type: 'config.reread' }); })),
  },
  actions: {
    apply: enqueueActions(({ context, enqueue }, r: ProcessResult) => {
      for (const s of r.batch.skipped) context.log.error({ notification: s.node, err: s.error }, 'Skipping config change notification');
      enqueue.assign({ lastSequence: r.batch.lastSequence });
      // logged by the parent when applied ("Processed topic config change"), whichever path brought it
      for (const t of r.topics) enqueue.sendParent({ type: 'topicConfig.updated', topic: t.topic, overrides: t.overrides });
      const users = r.batch.changes.filter((c) => c.type === 'users').map((c) => c.name);
      if (users.length > 0) context.onUsersChanged?.(users);
      if (!r.load) return;
      context.onBrokerEntity?.(r.load.perBroker);
      enqueue.assign({ reportedIgnored: reportIgnoredDynamicConfigs(context.log, r.load, context.reportedIgnored) });
      if (r.load.changed.length === 0) return;
      const config = r.load.config;
      context.log.info({ changed: Object.fromEntries(r.load.changed.map((k) => [k, loggableConfigValue(config, k)])) }, 'Applied dynamic broker config');
      enqueue.assign({ config: r.load.config, applied: context.applied + 1 });
      enqueue.sendParent({ type: 'config.updated', config: r.load.config, changed: r.load.changed });
    }),
  },
  delays: { retry: 1000 },
}).createMachine({
  id: 'dynamicConfig',
  context: ({ input }) => ({ ...input, lastSequence: -1, applied: 0, reportedIgnored: input.reportedIgnored ?? ignoredEntriesBehind(input.config) }),
  invoke: { src: 'sessionWatch', input: ({ context }) => ({ handle: context.handle }) },
  initial: 'processing',
  states: {
    processing: {
      on: { 'config.changed': { target: 'processing', reenter: true }, 'config.reread': { target: 'processing', reenter: true } },
      invoke: {
        src: 'processNotifications',
        input: ({ context, self }) => ({ ...context, onChange: () => self.send({ type: 'config.changed' }) }),
        onDone: { target: 'watching', actions: { type: 'apply', params: ({ event }) => event.output } },
        onError: { target: 'retrying', actions: ({ context, event }) => context.log.warn({ err: String(event.error) }, 'Processing /config/changes failed; retrying') },
      },
    },
    retrying: {
      on: { 'config.changed': 'processing', 'config.reread': 'processing' },
      after: { retry: 'processing' },
    },
    watching: { on: { 'config.changed': 'processing', 'config.reread': 'processing' } },
  },
});
