/**
 * Keeps what the inspector saw, for clients that connect later (`/events` replays it), and fans
 * new messages out to subscribers. Bounded: beyond `max` messages the oldest events and snapshots
 * are dropped, but the `@xstate.actor` message of every actor still alive is kept (and of the root
 * and every actor with a systemId, always), so a late client can still build the actor tree.
 * Actors that finished (done, error, or gone from their parent's children) are dropped with the
 * old events, so short-lived helpers (one per request or connection) cannot grow it without end.
 */
import type { InspectionMessage } from './events.js';

export interface Recorder {
  push(m: InspectionMessage): void;
  /** Everything retained, oldest first. */
  messages(): InspectionMessage[];
  /** Called for every message pushed from now on; returns an unsubscribe function. */
  subscribe(fn: (m: InspectionMessage) => void): () => void;
  readonly dropped: number;
}

interface ActorInfo { parentId?: string; actorId: string; pinned: boolean; ended: boolean }

export function createRecorder(opts: { max?: number } = {}): Recorder {
  const max = opts.max ?? 10_000;
  let buf: InspectionMessage[] = [];
  let dropped = 0;
  const subs = new Set<(m: InspectionMessage) => void>();
  const actors = new Map<string, ActorInfo>();

  const track = (m: InspectionMessage) => {
    if (m.type === '@xstate.actor') {
      actors.set(m.sessionId, { parentId: m.parentId, actorId: m.actorId, pinned: !m.parentId || !!m.systemId, ended: false });
      return;
    }
    if (m.type !== '@xstate.snapshot') return;
    const a = actors.get(m.sessionId);
    if (a && m.snapshot.status !== undefined && m.snapshot.status !== 'active') a.ended = true;
    const children = m.snapshot.children;
    if (children && typeof children === 'object') {
      for (const c of actors.values()) if (c.parentId === m.sessionId && !c.ended && !(c.actorId in children)) c.ended = true;
    }
  };

  const trim = () => {
    let excess = buf.length - max;
    const keep = (x: InspectionMessage) => {
      if (x.type !== '@xstate.actor') return false;
      const a = actors.get(x.sessionId);
      return !a || a.pinned || !a.ended;
    };
    buf = buf.filter((x) => {
      if (excess <= 0 || keep(x)) return true;
      excess--;
      dropped++;
      if (x.type === '@xstate.actor') actors.delete(x.sessionId);
      return false;
    });
  };

  return {
    push(m) {
      track(m);
      buf.push(m);
      if (buf.length > max * 1.25) trim(); // in batches: amortised O(1) per message
      for (const s of [...subs]) { try { s(m); } catch { /* a slow or broken client must not break the broker */ } }
    },
    messages: () => buf.slice(),
    subscribe(fn) { subs.add(fn); return () => { subs.delete(fn); }; },
    get dropped() { return dropped; },
  };
}
