/**
 * The viewer's model: folds inspection messages (see events.ts) into
 *
 *   actors     every actor with parent, kind (machine or not), parsed definition, status, current
 *              state value, active state paths ("session", "session.watching") and times
 *   rows       the waterfall: one row per state a machine was in (majordomo · starting.gettingClusterId,
 *              from t=120 ms to t=131 ms) and one per non-machine actor (promise/callback) lifetime
 *   entries    the timeline: events received and state changes, newest last (bounded)
 *
 * `createTimelineModel` is self-contained on purpose (no imports, no outside references): the
 * viewer page embeds its source text, so the page and the unit tests run the same code.
 */

export interface TimelineActor {
  sessionId: string;
  name: string;
  actorId: string;
  systemId: string | null;
  parentId: string | null;
  /** 'machine' when the actor has a state machine definition, else 'other' (promise, callback). */
  kind: 'machine' | 'other';
  definition: Record<string, unknown> | null;
  status: string;
  value: unknown;
  /** Leaf state paths joined with ', ' ('session.watching'); '' for non-machines. */
  state: string;
  /** Every active state path, ancestors included. */
  activePaths: string[];
  createdT: number;
  endedT: number | null;
  /** The (sanitised) context of the last snapshot, or the input of a non-machine actor. */
  context: unknown;
}

export interface TimelineRow { sessionId: string; actor: string; label: string; start: number; end: number | null; kind: 'state' | 'actor' }
export interface TimelineEntry { seq: number; t: number; sessionId: string; actor: string; kind: 'event' | 'state' | 'actor'; text: string; source?: string }

export interface TimelineModel {
  actors: Record<string, TimelineActor>;
  rows: TimelineRow[];
  entries: TimelineEntry[];
  lastT: number;
  apply(message: unknown): void;
  /** The actor for a name, actor id or system id (first match). */
  find(name: string): TimelineActor | undefined;
  /** Root actors first, then children depth-first in creation order. */
  tree(): Array<{ actor: TimelineActor; depth: number }>;
}

export function createTimelineModel(opts?: { maxEntries?: number; maxRows?: number; maxActors?: number }): TimelineModel {
  const maxEntries = (opts && opts.maxEntries) || 2000;
  const maxRows = (opts && opts.maxRows) || 2000;
  // Beyond this many actors, the oldest finished ones (not the root, not system actors) are forgotten.
  const maxActors = (opts && opts.maxActors) || 1000;
  let ended = 0;

  function leafPaths(value: unknown, prefix: string, out: string[]): string[] {
    if (typeof value === 'string') { out.push(prefix ? prefix + '.' + value : value); return out; }
    if (value && typeof value === 'object') {
      const keys = Object.keys(value as Record<string, unknown>);
      if (keys.length === 0 && prefix) out.push(prefix);
      for (const k of keys) leafPaths((value as Record<string, unknown>)[k], prefix ? prefix + '.' + k : k, out);
    }
    return out;
  }
  function allPaths(leaves: string[]): string[] {
    const set: Record<string, true> = {};
    for (const leaf of leaves) {
      const parts = leaf.split('.');
      for (let i = 1; i <= parts.length; i++) set[parts.slice(0, i).join('.')] = true;
    }
    return Object.keys(set);
  }

  const model: TimelineModel = {
    actors: {},
    rows: [],
    entries: [],
    lastT: 0,
    apply,
    find(name) {
      const all = Object.values(model.actors);
      return all.find((a) => a.name === name) || all.find((a) => a.actorId === name) || all.find((a) => a.systemId === name);
    },
    tree() {
      const out: Array<{ actor: TimelineActor; depth: number }> = [];
      const all = Object.values(model.actors).sort((a, b) => a.createdT - b.createdT);
      const visit = (parentId: string | null, depth: number) => {
        for (const a of all) {
          const p = a.parentId && model.actors[a.parentId] ? a.parentId : null;
          if (p === parentId) { out.push({ actor: a, depth }); visit(a.sessionId, depth + 1); }
        }
      };
      visit(null, 0);
      return out;
    },
  };

  const openRows: Record<string, TimelineRow> = {};

  function entry(e: TimelineEntry) {
    model.entries.push(e);
    if (model.entries.length > maxEntries) model.entries.splice(0, model.entries.length - maxEntries);
  }
  function pushRow(r: TimelineRow) {
    model.rows.push(r);
    if (model.rows.length > maxRows) model.rows.splice(0, model.rows.length - maxRows);
  }
  function closeRow(sessionId: string, t: number) {
    const r = openRows[sessionId];
    if (r) { r.end = t; delete openRows[sessionId]; }
  }
  function end(a: TimelineActor, status: string, t: number, seq: number) {
    // A finished child leaves its parent's snapshot before its own done/error snapshot arrives.
    if (a.endedT !== null) { if (a.status === 'stopped' && status !== 'stopped') a.status = status; return; }
    a.status = status;
    a.endedT = t;
    closeRow(a.sessionId, t);
    entry({ seq, t, sessionId: a.sessionId, actor: a.name, kind: 'actor', text: status });
    ended++;
    if (ended > 50 && Object.keys(model.actors).length > maxActors) prune();
  }
  function prune() {
    const gone = Object.values(model.actors)
      .filter((x) => x.endedT !== null && x.parentId !== null && x.systemId === null)
      .sort((x, y) => (x.endedT as number) - (y.endedT as number));
    let over = Object.keys(model.actors).length - maxActors;
    for (const x of gone) { if (over-- <= 0) break; delete model.actors[x.sessionId]; }
    ended = 0;
  }

  function setSnapshot(a: TimelineActor, snap: Record<string, unknown>, t: number, seq: number, cause: string | null) {
    const status = typeof snap.status === 'string' ? snap.status : 'active';
    if (snap.context !== undefined) a.context = snap.context;
    else if (snap.input !== undefined && a.kind === 'other') a.context = snap.input;
    if (a.kind === 'machine' && snap.value !== undefined) {
      const leaves = leafPaths(snap.value, '', []);
      const state = leaves.join(', ');
      a.value = snap.value;
      a.activePaths = allPaths(leaves);
      if (state !== a.state) {
        closeRow(a.sessionId, t);
        a.state = state;
        const row: TimelineRow = { sessionId: a.sessionId, actor: a.name, label: state, start: t, end: null, kind: 'state' };
        pushRow(row);
        openRows[a.sessionId] = row;
        entry({ seq, t, sessionId: a.sessionId, actor: a.name, kind: 'state', text: state + (cause ? ' ← ' + cause : '') });
      }
    }
    if (status !== 'active') end(a, status, t, seq);
    else a.status = status;
    // Children that left the parent's snapshot were stopped.
    const children = snap.children;
    if (children && typeof children === 'object') {
      for (const c of Object.values(model.actors)) {
        if (c.parentId === a.sessionId && c.endedT === null && c.status === 'active' && !(c.actorId in (children as Record<string, unknown>))) end(c, 'stopped', t, seq);
      }
    }
  }

  function apply(message: unknown) {
    if (!message || typeof message !== 'object') return;
    const m = message as Record<string, unknown>;
    const t = typeof m.t === 'number' ? m.t : model.lastT;
    const seq = typeof m.seq === 'number' ? m.seq : 0;
    if (t > model.lastT) model.lastT = t;
    const sessionId = String(m.sessionId);
    if (m.type === '@xstate.actor') {
      let definition: Record<string, unknown> | null = null;
      try { definition = typeof m.definition === 'string' ? JSON.parse(m.definition) : null; } catch { definition = null; }
      const isMachine = !!definition && typeof definition.states === 'object' && definition.states !== null;
      const name = typeof m.name === 'string' ? m.name : sessionId;
      const a: TimelineActor = {
        sessionId, name, actorId: typeof m.actorId === 'string' ? m.actorId : name,
        systemId: typeof m.systemId === 'string' ? m.systemId : null,
        parentId: typeof m.parentId === 'string' ? m.parentId : null,
        kind: isMachine ? 'machine' : 'other', definition: isMachine ? definition : null,
        status: 'active', value: null, state: '', activePaths: [], createdT: t, endedT: null, context: null,
      };
      model.actors[sessionId] = a;
      entry({ seq, t, sessionId, actor: name, kind: 'actor', text: 'created' });
      if (!isMachine) {
        const row: TimelineRow = { sessionId, actor: name, label: name, start: t, end: null, kind: 'actor' };
        pushRow(row);
        openRows[sessionId] = row;
      }
      if (m.snapshot && typeof m.snapshot === 'object') setSnapshot(a, m.snapshot as Record<string, unknown>, t, seq, null);
      return;
    }
    const a = model.actors[sessionId];
    if (!a) return;
    const ev = m.event && typeof m.event === 'object' ? (m.event as Record<string, unknown>) : {};
    const evType = typeof ev.type === 'string' ? ev.type : '';
    if (m.type === '@xstate.event') {
      const src = typeof m.sourceId === 'string' && model.actors[m.sourceId] ? model.actors[m.sourceId].name : undefined;
      entry({ seq, t, sessionId, actor: a.name, kind: 'event', text: evType, ...(src ? { source: src } : {}) });
    } else if (m.type === '@xstate.snapshot' && m.snapshot && typeof m.snapshot === 'object') {
      setSnapshot(a, m.snapshot as Record<string, unknown>, t, seq, evType || null);
    }
  }

  return model;
}
