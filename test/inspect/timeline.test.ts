/**
 * The event recorder and the viewer's timeline model, fed by a real (small) actor system:
 * converter → recorder → createTimelineModel, as in the broker, with a fake clock for `t`.
 */
import { describe, it, expect } from 'vitest';
import { setup, createActor, fromPromise, sendParent, spawnChild, stopChild, type InspectionEvent } from 'xstate';
import { createConverter, type InspectionMessage } from '../../src/inspect/events.js';
import { createRecorder } from '../../src/inspect/recorder.js';
import { createTimelineModel } from '../../src/inspect/timeline.js';
import { renderViewerPage } from '../../src/inspect/viewer-page.js';

const child = setup({}).createMachine({
  id: 'child', initial: 'watching',
  states: { watching: { on: { DROP: 'degraded' } }, degraded: { on: { BACK: { target: 'watching', actions: sendParent({ type: 'child.back' }) } } } },
});

const root = setup({
  actors: { child, step: fromPromise(async () => 'ok') },
}).createMachine({
  id: 'root', initial: 'starting',
  states: {
    starting: {
      initial: 'stepOne',
      states: {
        stepOne: { invoke: { src: 'step', onDone: 'stepTwo' } },
        stepTwo: { entry: spawnChild('child', { id: 'kid', systemId: 'kid' }), on: { GO: '#root.running' } },
      },
    },
    running: { on: { 'child.back': {}, STOP_KID: { actions: stopChild('kid') }, END: 'done' } },
    done: { type: 'final' },
  },
});

function run() {
  let clock = 0;
  const messages: InspectionMessage[] = [];
  const recorder = createRecorder();
  const converter = createConverter((m) => { messages.push(m); recorder.push(m); }, () => clock);
  const actor = createActor(root, { inspect: (e: InspectionEvent) => converter.next(e) });
  return { actor, messages, recorder, tick: (ms: number) => { clock += ms; } };
}

const settle = () => new Promise((r) => setTimeout(r, 5));

describe('converter + recorder', () => {
  it('emits each actor once (parents first, with its first snapshot), then events and snapshots in order', async () => {
    const { actor, messages, tick } = run();
    actor.start();
    await settle();
    tick(10);
    actor.send({ type: 'GO' });
    const actors = messages.filter((m) => m.type === '@xstate.actor');
    expect(actors.map((a) => a.name)).toEqual(['root', 'step', 'kid']);
    const [r, step, kid] = actors as Array<Extract<InspectionMessage, { type: '@xstate.actor' }>>;
    expect(r.parentId).toBeUndefined();
    expect(step).toMatchObject({ parentId: r.sessionId, actorId: expect.stringMatching(/^0\.root/) });
    expect(kid).toMatchObject({ parentId: r.sessionId, actorId: 'kid', systemId: 'kid', _version: '0.7.2' });
    expect(JSON.parse(kid.definition)).toMatchObject({ id: 'child', initial: 'watching' });
    expect(JSON.parse(step.definition)).toEqual({ id: 'step' });
    expect(r.snapshot).toMatchObject({ status: 'active', value: { starting: 'stepOne' } });
    expect(messages.map((m) => m.seq)).toEqual(messages.map((_, i) => i + 1));
    expect(messages.some((m) => m.type === '@xstate.event' && m.event.type === 'GO' && m.sessionId === r.sessionId && m.t === 10)).toBe(true);
    expect(JSON.parse(JSON.stringify(messages))).toEqual(messages); // plain JSON
    actor.stop();
  });

  it('replays everything to late subscribers and keeps actor messages when trimming', () => {
    const rec = createRecorder({ max: 10 });
    const mk = (seq: number, type: InspectionMessage['type']) => ({ type, seq, t: seq, sessionId: 'x:0', rootId: 'x:0', createdAt: '0', id: null, _version: '0.7.2', event: { type: 'E' }, snapshot: {} }) as unknown as InspectionMessage;
    rec.push(mk(1, '@xstate.actor'));
    const seen: number[] = [];
    const off = rec.subscribe((m) => seen.push(m.seq));
    for (let i = 2; i <= 30; i++) rec.push(mk(i, '@xstate.event'));
    off();
    rec.push(mk(31, '@xstate.event'));
    expect(seen).toEqual(Array.from({ length: 29 }, (_, i) => i + 2));
    const kept = rec.messages();
    expect(kept[0].seq).toBe(1); // the actor survives
    expect(kept.length).toBeLessThanOrEqual(13);
    expect(kept.at(-1)!.seq).toBe(31);
    expect(rec.dropped).toBe(31 - kept.length);
    // A throwing subscriber does not break the others.
    rec.subscribe(() => { throw new Error('bad client'); });
    expect(() => rec.push(mk(32, '@xstate.event'))).not.toThrow();
  });
});

describe('bounded memory with short-lived actors (one per request or connection)', () => {
  const actorMsg = (seq: number, sessionId: string, extra: Record<string, unknown>) =>
    ({ type: '@xstate.actor', seq, t: seq, sessionId, rootId: 'x:0', createdAt: '0', id: null, _version: '0.7.2', name: sessionId, actorId: sessionId, definition: '{"id":"h"}', snapshot: { status: 'active' }, ...extra }) as unknown as InspectionMessage;
  const snapMsg = (seq: number, sessionId: string, snapshot: Record<string, unknown>) =>
    ({ type: '@xstate.snapshot', seq, t: seq, sessionId, rootId: 'x:0', createdAt: '0', id: null, _version: '0.7.2', event: { type: 'e' }, snapshot }) as unknown as InspectionMessage;

  it('the recorder forgets finished helpers but keeps the root, system actors and live actors', () => {
    const rec = createRecorder({ max: 20 });
    let seq = 0;
    rec.push(actorMsg(++seq, 'x:0', { definition: '{"id":"root","states":{"a":{}}}' }));
    rec.push(actorMsg(++seq, 'x:1', { parentId: 'x:0', actorId: 'zk', systemId: 'zk' }));
    rec.push(actorMsg(++seq, 'live', { parentId: 'x:0' }));
    for (let i = 0; i < 100; i++) {
      rec.push(actorMsg(++seq, `done-${i}`, { parentId: 'x:0' }));
      rec.push(snapMsg(++seq, `done-${i}`, { status: 'done' }));
      rec.push(actorMsg(++seq, `stopped-${i}`, { parentId: 'x:0', actorId: `s${i}` }));
      rec.push(snapMsg(++seq, 'x:0', { status: 'active', value: 'a', children: { zk: {}, live: {} } })); // s<i> left the parent
    }
    const kept = rec.messages();
    expect(kept.length).toBeLessThanOrEqual(25);
    const actorIds = kept.filter((m) => m.type === '@xstate.actor').map((m) => m.sessionId);
    expect(actorIds.slice(0, 3)).toEqual(['x:0', 'x:1', 'live']);
    expect(actorIds.filter((id) => id.startsWith('done-') || id.startsWith('stopped-')).length).toBeLessThanOrEqual(15); // only recent ones
  });

  it('the model forgets the oldest finished helpers beyond maxActors', () => {
    const model = createTimelineModel({ maxActors: 100 });
    let seq = 0;
    model.apply(actorMsg(++seq, 'x:0', { definition: '{"id":"root","states":{"a":{}}}', snapshot: { status: 'active', value: 'a' } }));
    for (let i = 0; i < 1000; i++) {
      model.apply(actorMsg(++seq, `h-${i}`, { parentId: 'x:0' }));
      model.apply(snapMsg(++seq, `h-${i}`, { status: 'done' }));
    }
    const n = Object.keys(model.actors).length;
    expect(n).toBeLessThanOrEqual(152);
    expect(model.find('x:0')).toBeDefined();
    expect(model.find('h-999')).toBeDefined();
    expect(model.find('h-0')).toBeUndefined();
  });
});

describe('createTimelineModel', () => {
  it('builds the actor tree, active state paths, a waterfall of states and helper actors, and a timeline', async () => {
    const { actor, messages, tick } = run();
    actor.start();
    await settle(); // the promise step resolves: stepOne → stepTwo
    tick(5);
    actor.send({ type: 'GO' });
    tick(20);
    const kid = actor.getSnapshot().children.kid!;
    kid.send({ type: 'DROP' });
    tick(7);
    kid.send({ type: 'BACK' });

    const model = createTimelineModel();
    for (const m of messages) model.apply(JSON.parse(JSON.stringify(m)));
    const tree = model.tree().map(({ actor: a, depth }) => `${depth}:${a.name}`);
    expect(tree).toEqual(['0:root', '1:step', '1:kid']);
    const k = model.find('kid')!;
    expect(k).toMatchObject({ name: 'kid', kind: 'machine', state: 'watching', status: 'active', activePaths: ['watching'] });
    const r = model.find('root')!;
    expect(r.activePaths).toEqual(['running']);
    expect(model.find('step')).toMatchObject({ kind: 'other', status: 'done', endedT: 0 });

    const rows = model.rows.map((x) => `${x.actor}·${x.label}·${x.start}-${x.end}`);
    expect(rows).toEqual([
      // (a spawned child starts before its parent's snapshot is published)
      'root·starting.stepOne·0-0', 'step·step·0-0', 'kid·watching·0-25', 'root·starting.stepTwo·0-5',
      'root·running·5-null', 'kid·degraded·25-32', 'kid·watching·32-null',
    ]);
    const texts = model.entries.map((e) => `${e.t} ${e.actor} ${e.kind} ${e.text}`);
    expect(texts).toContain('5 root event GO');
    expect(texts).toContain('5 root state running ← GO');
    expect(texts).toContain('25 kid state degraded ← DROP');
    expect(model.entries.find((e) => e.text === 'child.back')).toMatchObject({ actor: 'root', source: 'kid' });
    expect(model.lastT).toBe(32);

    // A child stopped by its parent is marked stopped (it only disappears from the parent's children).
    tick(3);
    actor.send({ type: 'STOP_KID' });
    tick(1);
    actor.send({ type: 'END' });
    const m2 = createTimelineModel();
    for (const m of messages) m2.apply(m);
    expect(m2.find('kid')).toMatchObject({ status: 'stopped', endedT: 35 });
    expect(m2.find('root')).toMatchObject({ status: 'done', state: 'done', endedT: 36 });
    expect(m2.rows.every((x) => x.end !== null)).toBe(true);
  });

  it('is bounded and ignores junk', () => {
    const model = createTimelineModel({ maxEntries: 5, maxRows: 3 });
    model.apply(null);
    model.apply('x');
    model.apply({ type: '@xstate.snapshot', sessionId: 'nobody', snapshot: { value: 'a' } });
    model.apply({ type: '@xstate.actor', sessionId: 's', name: 'm', t: 1, definition: '{"id":"m","states":{"a":{},"b":{}}}', snapshot: { status: 'active', value: 'a' } });
    for (let i = 0; i < 10; i++) model.apply({ type: '@xstate.snapshot', sessionId: 's', t: 2 + i, event: { type: 'E' }, snapshot: { status: 'active', value: i % 2 ? 'a' : 'b' } });
    expect(model.entries).toHaveLength(5);
    expect(model.rows).toHaveLength(3);
    expect(model.find('m')!.state).toBe('a');
  });

  it('is embedded self-contained in the viewer page, which loads nothing from elsewhere', () => {
    const page = renderViewerPage({ title: 'T' });
    expect(page).toContain(createTimelineModel.toString());
    expect(page).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
    // The embedded source works on its own (no references outside itself).
    const standalone = new Function(`${createTimelineModel.toString()}; return createTimelineModel;`)() as typeof createTimelineModel;
    const m = standalone();
    m.apply({ type: '@xstate.actor', sessionId: 's', name: 'x', t: 0, definition: '{"id":"x","states":{"a":{"states":{"b":{}}}}}', snapshot: { status: 'active', value: { a: 'b' } } });
    expect(m.find('x')!.activePaths).toEqual(['a', 'a.b']);
  });
});
