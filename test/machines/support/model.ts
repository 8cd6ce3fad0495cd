/**
 * Shared plumbing for the per-machine model tests (test/machines/*.model.test.ts).
 *
 * The real machine is its own model (docs/xstate-v5-notes.md §3 B): `new TestModel(machine)`
 * traverses it without running actors, feeding synthetic `xstate.done.actor.<id>`,
 * `xstate.error.actor.<id>` and `xstate.after.<delay>.<stateId>` events. `syntheticEvents` lists,
 * for a snapshot, exactly those events for the invokes and timers of its active state nodes, so the
 * model's event alphabet follows the machine as it changes. Each generated path is then replayed
 * on a fresh real actor whose stub actors (provide()) the step executors settle; `replay` runs the
 * steps and rewrites any failure so that its message starts with the event sequence reproducing it.
 */
import { vi } from 'vitest';
import { createEmptyActor, type AnyEventObject } from 'xstate';
import { TestModel, getAdjacencyMap } from 'xstate/graph';

/** RAFKA_MODEL_FULL=1 (npm run test:model:full): larger bounds. */
export const FULL = process.env.RAFKA_MODEL_FULL === '1';

type AnySnap = { _nodes: Array<{ invoke: Array<{ id: string; src: unknown }>; after: Array<{ eventType: string }> }> };

/**
 * Events for every invoke (done with each of `outputs[id]`, error with each of `errors[id]`) and
 * every delayed transition of the snapshot's active state nodes.
 */
export function syntheticEvents(
  snapshot: unknown,
  outputs: Record<string, unknown[]>,
  errors: Record<string, unknown[]>,
): AnyEventObject[] {
  const out: AnyEventObject[] = [];
  for (const node of (snapshot as AnySnap)._nodes) {
    for (const inv of node.invoke) {
      for (const output of outputs[inv.id] ?? []) out.push({ type: `xstate.done.actor.${inv.id}`, output, actorId: inv.id });
      for (const error of errors[inv.id] ?? []) out.push({ type: `xstate.error.actor.${inv.id}`, error, actorId: inv.id });
    }
    for (const t of node.after) out.push({ type: t.eventType });
  }
  return out;
}

/**
 * The traversal's mock actor scope has no parent, so a machine's sendParent throws ("Unable to send
 * event to actor '#_parent'"). This view of the machine gives every scope an inert parent (the
 * mock scope executes no actions anyway), and leaves everything else to the machine.
 */
export function withInertParent<T extends object>(logic: T): T {
  const fix = (scope: any) => {
    if (scope?.self && !scope.self._parent) scope.self._parent = createEmptyActor();
    return scope;
  };
  return new Proxy(logic, {
    get(target, prop) {
      const v: any = Reflect.get(target, prop, target);
      if (prop === 'transition') return (s: unknown, e: unknown, scope: unknown) => v.call(target, s, e, fix(scope));
      if (prop === 'getInitialSnapshot') return (scope: unknown, input: unknown) => v.call(target, fix(scope), input);
      if (prop === 'microstep') return (s: unknown, e: unknown, scope: unknown) => v.call(target, s, e, fix(scope));
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** A short, readable event label (payload summarised). */
export function label(e: AnyEventObject): string {
  const id = (t: string) => t.replace(/^\d+\.[^.]+\./, '');
  if (e.type.startsWith('xstate.done.actor.')) {
    const out = e.output === undefined || typeof e.output === 'object' ? '' : `=${JSON.stringify(e.output)}`;
    return `done(${id(e.type.slice(18))}${out})`;
  }
  if (e.type.startsWith('xstate.error.actor.')) {
    const err = e.error instanceof Error ? `${e.error.name}: ${e.error.message}` : String(e.error);
    return `error(${id(e.type.slice(19))}: ${err})`;
  }
  if (e.type.startsWith('xstate.after.')) return `after(${e.type.slice(13)})`;
  const rest = Object.entries(e).filter(([k, v]) => k !== 'type' && typeof v !== 'function');
  return rest.length ? `${e.type}${JSON.stringify(Object.fromEntries(rest))}` : e.type;
}

export interface ModelStep { event: AnyEventObject; state: { value: unknown; status: string; context: any } }
export interface ModelPath { steps: ModelStep[]; state: any }

export const sequence = (p: ModelPath) => p.steps.map((s) => label(s.event)).join(' → ');

/**
 * Runs each step (its executor, then `check`), and on failure throws an error whose message leads
 * with the event sequence that reproduces it and the step that failed.
 */
export async function replay(
  path: ModelPath,
  exec: (step: ModelStep, i: number) => Promise<void> | void,
  check: (step: ModelStep, i: number) => void,
  finish?: () => void | Promise<void>,
): Promise<void> {
  let i = 0;
  try {
    for (; i < path.steps.length; i++) {
      await exec(path.steps[i]!, i);
      check(path.steps[i]!, i);
    }
    i = -1;
    await finish?.();
  } catch (e) {
    const where = i < 0 ? 'at the end of the path' : `at step ${i} (${label(path.steps[i]!.event)})`;
    const err = e instanceof Error ? e : new Error(String(e));
    err.message = `Reproduce with: ${sequence(path)}\nFailed ${where}: ${err.message}`;
    throw err;
  }
}

/** Let settled promises and their reactions run (fake timers on). */
export const flush = () => vi.advanceTimersByTimeAsync(0);

/** A promise the test settles by hand, for fromPromise stubs. */
export interface Deferred<T> { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void }
export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/** Paths: shortest to every state, plus simple paths up to `maxLength` events (init excluded), deduplicated by sequence. */
export function pickPaths<P extends ModelPath>(shortest: P[], simple: P[], maxLength: number): { shortest: P[]; simple: P[] } {
  const seen = new Set(shortest.map(sequence));
  const extra: P[] = [];
  for (const p of simple) {
    if (p.steps.length - 1 > maxLength) continue;
    const k = sequence(p);
    if (seen.has(k)) continue;
    seen.add(k);
    extra.push(p);
  }
  return { shortest, simple: extra };
}

/** Every edge of the model's graph reached by some path, as "fromKey --event--> toKey". */
export function edgesOf(paths: ModelPath[], key: (s: ModelStep['state']) => string): Set<string> {
  const out = new Set<string>();
  for (const p of paths) {
    for (let i = 1; i < p.steps.length; i++) {
      out.add(`${key(p.steps[i - 1]!.state)} --${p.steps[i]!.event.type}--> ${key(p.steps[i]!.state)}`);
    }
  }
  return out;
}

export type Adjacency = Record<string, { state: any; transitions: Record<string, { event: AnyEventObject; state: any }> }>;

/** Every edge of the (bounded) model graph, as edgesOf names them. */
export function allEdges(adjacency: Adjacency, key: (s: any) => string): Set<string> {
  const all = new Set<string>();
  for (const [from, { transitions }] of Object.entries(adjacency)) {
    for (const t of Object.values(transitions)) all.add(`${from} --${t.event.type}--> ${key(t.state)}`);
  }
  return all;
}

/**
 * Shortest and simple paths never take an edge back into a state already on the path (self-loops,
 * degraded → watching, …). For each edge the given paths miss: the shortest path to its source
 * plus that edge, so that every transition is run at least once.
 */
export function edgeCompletion(adjacency: Adjacency, shortest: ModelPath[], covered: ModelPath[], key: (s: any) => string): ModelPath[] {
  const taken = edgesOf(covered, key);
  const out: ModelPath[] = [];
  for (const [from, { transitions }] of Object.entries(adjacency)) {
    for (const t of Object.values(transitions)) {
      if (taken.has(`${from} --${t.event.type}--> ${key(t.state)}`)) continue;
      const to = shortest.find((p) => key(p.state) === from);
      if (to) out.push({ state: t.state, steps: [...to.steps, { event: t.event, state: t.state }] });
    }
  }
  return out;
}

/**
 * A path that hits a known machine bug must fail with exactly that bug's symptom; once the bug is
 * fixed it passes, and this fails asking for the KNOWN_BUGS entry to be removed.
 */
export async function knownBug(bug: { bug: string; symptom: RegExp }, run: () => Promise<void>): Promise<void> {
  let error: unknown = null;
  try { await run(); } catch (e) { error = e; }
  if (error === null) throw new Error(`Known bug no longer reproduces (fixed?): remove its KNOWN_BUGS entry: ${bug.bug}`);
  const msg = error instanceof Error ? error.message : String(error);
  if (!bug.symptom.test(msg)) throw error;
}

/**
 * Simple paths (no model state twice) of at most `maxLength` events, by DFS over the adjacency map
 * from the initial path `init` — xstate/graph's getSimplePaths enumerates every simple path of the
 * whole graph first, whatever their length. Paths end at `maxLength` or where no new state is left.
 * More than `maxCount`: an evenly spaced, deterministic sample across the DFS order.
 */
export function boundedSimplePaths(adjacency: Adjacency, init: ModelPath, key: (s: any) => string, maxLength: number, maxCount: number): { sample: ModelPath[]; total: number } {
  const out: ModelPath[] = [];
  const walk = (steps: ModelStep[], onPath: Set<string>) => {
    const here = key(steps.at(-1)!.state);
    const next = Object.values(adjacency[here]?.transitions ?? {}).filter((t) => !onPath.has(key(t.state)));
    if (steps.length - 1 === maxLength || next.length === 0) { out.push({ state: steps.at(-1)!.state, steps }); return; }
    for (const t of next) {
      onPath.add(key(t.state));
      walk([...steps, { event: t.event, state: t.state }], onPath);
      onPath.delete(key(t.state));
    }
  };
  walk(init.steps, new Set([key(init.state)]));
  if (out.length <= maxCount) return { sample: out, total: out.length };
  const stride = out.length / maxCount;
  return { sample: Array.from({ length: maxCount }, (_, i) => out[Math.floor(i * stride)]!), total: out.length };
}

/**
 * The path plan every machine model uses: one shortest path per state, simple paths up to
 * `maxLength` picked for new edges, then shortest-path completion for any edge still untaken.
 */
export function planMachinePaths(machine: object, traversal: object, key: (s: any) => string, maxLength: number) {
  const logic = withInertParent(machine);
  const model = new TestModel(logic as any, { ...traversal, stateMatcher: (s: any, k: string) => s.matches(k) } as any);
  const adjacency = getAdjacencyMap(logic as any, traversal as any) as Adjacency;
  const shortest = model.getShortestPaths() as unknown as ModelPath[];
  const allShortest = model.getShortestPaths({ allowDuplicatePaths: true } as any) as unknown as ModelPath[];
  const simpleAll = boundedSimplePaths(adjacency, allShortest.find((p) => p.steps.length === 1)!, key, maxLength, Infinity).sample;
  const picked = pickPaths(shortest, simpleAll, maxLength);
  const completion = edgeCompletion(adjacency, allShortest, [...picked.shortest, ...picked.simple], key);
  return { logic, model, adjacency, shortest, picked, completion, paths: [...picked.shortest, ...picked.simple, ...completion] };
}
