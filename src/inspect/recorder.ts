/**
 * Keeps what the inspector saw, for clients that connect later (`/events` replays it), and fans
 * new messages out to subscribers. Bounded: beyond `max` messages the oldest events and snapshots
 * are dropped, but every `@xstate.actor` message is kept so a late client can still build the
 * whole actor tree (a running broker creates a few actors per ZooKeeper hiccup, not per request).
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

export function createRecorder(opts: { max?: number } = {}): Recorder {
  const max = opts.max ?? 10_000;
  let buf: InspectionMessage[] = [];
  let dropped = 0;
  const subs = new Set<(m: InspectionMessage) => void>();
  return {
    push(m) {
      buf.push(m);
      if (buf.length > max * 1.25) {
        // Drop the oldest non-actor messages in one go (amortised), keeping actor messages.
        let excess = buf.length - max;
        buf = buf.filter((x) => (excess > 0 && x.type !== '@xstate.actor' ? (excess--, dropped++, false) : true));
      }
      for (const s of [...subs]) { try { s(m); } catch { /* a slow or broken client must not break the broker */ } }
    },
    messages: () => buf.slice(),
    subscribe(fn) { subs.add(fn); return () => { subs.delete(fn); }; },
    get dropped() { return dropped; },
  };
}
