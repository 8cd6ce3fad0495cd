/**
 * XState inspection events → sanitised JSON messages in @statelyai/inspect's wire format
 * (`StatelyInspectionEvent`: `@xstate.actor` / `@xstate.event` / `@xstate.snapshot`, with
 * `sessionId`, `parentId`, `rootId`, `createdAt` as an epoch-ms string and `_version`), plus:
 *
 *   seq       1, 2, 3, … in the order the events happened
 *   t         ms since the process started (performance.now()), for the startup waterfall
 *   actorId   (on @xstate.actor) the actor's id in its parent (`zookeeperClient`, `0.majordomo.…`);
 *             `name` is the same, except for generated ids, where it is the logic's key (`getClusterId`)
 *   systemId  (on @xstate.actor) its system-wide id, when it has one
 *
 * `@xstate.actor` is emitted by XState before the actor has a snapshot, so the converter holds it
 * back until that actor's first snapshot or event, and sends it then with the actor's snapshot.
 * `@xstate.microstep` and `@xstate.action` are dropped (the Stately inspector ignores them too).
 */
import type { InspectionEvent } from 'xstate';
import { sanitize, sanitizeEvent, sanitizeSnapshot } from './sanitize.js';

/** The @statelyai/inspect version whose wire format we speak. */
export const STATELY_WIRE_VERSION = '0.7.2';

interface Base { seq: number; t: number; sessionId: string; rootId: string | undefined; createdAt: string; id: string | null; _version: string }
export interface ActorMessage extends Base {
  type: '@xstate.actor';
  name: string;
  actorId: string;
  systemId?: string;
  parentId?: string;
  /** JSON text of the machine config (`actor.logic.config`), or `{"id":…}` for other logic. */
  definition: string;
  snapshot: Record<string, unknown>;
}
export interface EventMessage extends Base { type: '@xstate.event'; sourceId?: string; event: { type: string; [k: string]: unknown } }
export interface SnapshotMessage extends Base { type: '@xstate.snapshot'; event: { type: string; [k: string]: unknown }; snapshot: Record<string, unknown> }
export type InspectionMessage = ActorMessage | EventMessage | SnapshotMessage;

/** JSON of a machine config with functions as `{ type: name }` (as @statelyai/inspect does). */
export function definitionJson(config: unknown, fallbackId: string): string {
  if (config === null || typeof config !== 'object') return JSON.stringify({ id: fallbackId });
  const seen = new WeakSet<object>();
  try {
    return JSON.stringify(config, (_k, v: unknown) => {
      if (typeof v === 'function') return { type: v.name || 'anonymous' };
      if (typeof v === 'bigint') return v.toString();
      if (v !== null && typeof v === 'object') {
        if (seen.has(v)) return '[Circular]';
        seen.add(v);
      }
      return v;
    });
  } catch {
    return JSON.stringify({ id: fallbackId });
  }
}

/** What we read of an actor (Actor has these; `_parent` is internal but stable across v5). */
interface RefLike { sessionId: string; id: string; src?: unknown; systemId?: string; getSnapshot(): unknown; logic?: { config?: { id?: string } }; _parent?: RefLike }
const ref = (r: unknown) => r as RefLike;

/** Converts raw inspection events; `emit` receives each message once, in order. */
export function createConverter(emit: (m: InspectionMessage) => void, now: () => number = () => performance.now()) {
  let seq = 0;
  const pending = new Map<string, { ref: RefLike; t: number; createdAt: string; rootId: string | undefined }>();
  const known = new WeakSet<object>();
  const base = (sessionId: string, rootId: string | undefined, t = now(), createdAt = Date.now().toString()) =>
    ({ seq: ++seq, t: Math.round(t * 10) / 10, sessionId, rootId, createdAt, id: null });

  const flushActor = (actor: RefLike, snapshot?: unknown) => {
    const p = pending.get(actor.sessionId);
    if (!p) return;
    pending.delete(actor.sessionId);
    const ref = actor;
    const config = ref.logic?.config;
    const parent = ref._parent;
    if (parent) flushActor(parent); // parents first, so every parentId names a known actor
    let snap: unknown = snapshot;
    if (snap === undefined) { try { snap = ref.getSnapshot(); } catch { snap = undefined; } }
    // Invoked actors get generated ids ('0.controller.electing'): their logic key ('elect') reads better.
    const name = ref.id === ref.sessionId && typeof config?.id === 'string' ? config.id
      : /^\d+\./.test(ref.id) && typeof ref.src === 'string' ? ref.src : ref.id;
    emit({
      type: '@xstate.actor', ...base(ref.sessionId, p.rootId, p.t, p.createdAt), _version: STATELY_WIRE_VERSION,
      name, actorId: ref.id, ...(ref.systemId ? { systemId: ref.systemId } : {}), ...(parent ? { parentId: parent.sessionId } : {}),
      definition: definitionJson(config, name),
      snapshot: sanitizeSnapshot(snap),
    });
  };

  return {
    next(ev: InspectionEvent): void {
      try {
        switch (ev.type) {
          case '@xstate.actor':
            if (known.has(ev.actorRef)) return;
            known.add(ev.actorRef);
            pending.set(ev.actorRef.sessionId, { ref: ref(ev.actorRef), t: now(), createdAt: Date.now().toString(), rootId: ev.rootId });
            return;
          case '@xstate.event': {
            flushActor(ref(ev.actorRef));
            if (ev.sourceRef) flushActor(ref(ev.sourceRef));
            emit({
              type: '@xstate.event', ...base(ev.actorRef.sessionId, ev.rootId), _version: STATELY_WIRE_VERSION,
              ...(ev.sourceRef ? { sourceId: ev.sourceRef.sessionId } : {}),
              event: sanitizeEvent(ev.event),
            });
            return;
          }
          case '@xstate.snapshot':
            flushActor(ref(ev.actorRef), ev.snapshot);
            emit({
              type: '@xstate.snapshot', ...base(ev.actorRef.sessionId, ev.rootId), _version: STATELY_WIRE_VERSION,
              event: sanitizeEvent(ev.event), snapshot: sanitizeSnapshot(ev.snapshot),
            });
            return;
          default:
            return; // @xstate.microstep, @xstate.action
        }
      } catch {
        // Inspection must never break the broker.
      }
    },
  };
}

/** For tests and tools: sanitise an arbitrary value the way messages are. */
export { sanitize };
