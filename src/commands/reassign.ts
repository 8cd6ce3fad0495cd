/**
 * `rafka reassign` — Kafka's kafka-reassign-partitions.sh (ReassignPartitionsCommand) over the Kafka protocol, with
 * its JSON files: --generate (a plan spreading the given topics over --broker-list, as AdminUtils.assignReplicasToBrokers
 * — what the Kafka tool does), --execute (AlterPartitionReassignments; prints the current assignment to keep for a
 * rollback), --verify (ListPartitionReassignments + Metadata: complete / in progress / failed per partition), --cancel,
 * --list. --execute --throttle B/s sets the replication throttles as Kafka's tool does (calculateProposedMoveMap: leader
 * throttles `partition:source`, follower throttles `partition:destination` on each topic; the leader and follower rates on
 * every broker moving data); --verify clears them (every broker and the plan's topics) once no listed partition is still
 * moving, unless --preserve-throttles. Differs from Kafka: no log_dirs moves, no --additional.
 */
import { describeError, type AdminClient } from '../services/admin/admin-client.js';
import { assignReplicasToBrokers } from '../services/admin/replica-assignment.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, int, intList, parse, readJsonFile, runCommand, str, UsageError, type Io } from './admin-common.js';
import {
  FOLLOWER_THROTTLED_RATE, FOLLOWER_THROTTLED_REPLICAS, LEADER_THROTTLED_RATE, LEADER_THROTTLED_REPLICAS,
} from '../services/replication/replication-quota-manager.js';

const VERIFY_WARNING = 'Warning: You must run --verify periodically, until the reassignment completes, to ensure the throttle is removed.';
const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;

/** Kafka's PartitionMove: the replicas data comes from and the replicas it goes to. */
export interface PartitionMove { sources: Set<number>; destinations: Set<number> }

/**
 * ReassignPartitionsCommand.calculateProposedMoveMap: reassignments in flight keep their sources (replicas minus
 * adding) and destinations; each planned partition moves from its in-flight sources, else its current replicas, to the
 * planned replicas that are not sources.
 */
export function proposedMoveMap(
  inFlight: ReadonlyArray<{ topic: string; partition: number; replicas: number[]; adding: number[] }>,
  plan: ReadonlyArray<{ topic: string; partition: number; replicas: number[] }>,
  current: ReadonlyArray<{ topic: string; partition: number; replicas: number[] }>,
): Map<string, Map<number, PartitionMove>> {
  const moves = new Map<string, Map<number, PartitionMove>>();
  const topicMoves = (t: string) => { let m = moves.get(t); if (!m) moves.set(t, (m = new Map())); return m; };
  for (const r of inFlight) {
    topicMoves(r.topic).set(r.partition, { sources: new Set(r.replicas.filter((x) => !r.adding.includes(x))), destinations: new Set(r.adding) });
  }
  for (const p of plan) {
    const m = topicMoves(p.topic);
    const cur = current.find((c) => c.topic === p.topic && c.partition === p.partition);
    const sources = m.get(p.partition)?.sources ?? (cur ? new Set(cur.replicas) : null);
    if (!sources) throw new UsageError(`Trying to reassign a topic partition ${p.topic}-${p.partition} with 0 replicas`);
    m.set(p.partition, { sources: new Set(sources), destinations: new Set(p.replicas.filter((x) => !sources.has(x))) });
  }
  return moves;
}

/** calculateLeaderThrottles / calculateFollowerThrottles: per topic, sorted `partition:broker` strings (a TreeSet). */
export function throttledReplicaLists(moves: Map<string, Map<number, PartitionMove>>): { leader: Map<string, string>; follower: Map<string, string> } {
  const leader = new Map<string, string>();
  const follower = new Map<string, string>();
  for (const [topic, parts] of moves) {
    const l = new Set<string>();
    const f = new Set<string>();
    for (const [p, m] of parts) {
      for (const s of m.sources) l.add(`${p}:${s}`);
      for (const d of m.destinations) if (!m.sources.has(d)) f.add(`${p}:${d}`);
    }
    leader.set(topic, [...l].sort().join(','));
    follower.set(topic, [...f].sort().join(','));
  }
  return { leader, follower };
}

/** IncrementalAlterConfigs per resource (a broker's to that broker, as Kafka's admin client): the errors, as text. */
async function alterConfigs(client: AdminClient, resources: Array<{ type: number; name: string; ops: Array<{ name: string; configOperation: number; value: string | null }> }>): Promise<string[]> {
  const errors: string[] = [];
  for (const r of resources) {
    const body = { resources: [{ resourceType: r.type, resourceName: r.name, configs: r.ops }], validateOnly: false };
    const res = (r.type === BROKER ? await client.sendTo(Number(r.name), 44, body) : await client.sendAny(44, body)).body.responses[0]!;
    if (res.errorCode !== ErrorCode.NONE) errors.push(`${r.type === BROKER ? 'broker' : 'topic'} ${r.name}: ${describeError(res.errorCode, res.errorMessage)}`);
  }
  return errors;
}

/** modifyReassignmentThrottle: the topics' throttled-replica lists, then both rates on every broker moving data. */
async function setThrottles(client: AdminClient, moves: Map<string, Map<number, PartitionMove>>, rate: number): Promise<string[]> {
  const { leader, follower } = throttledReplicaLists(moves);
  const errors = await alterConfigs(client, [...moves.keys()].map((t) => ({
    type: TOPIC, name: t, ops: [{ name: LEADER_THROTTLED_REPLICAS, configOperation: SET, value: leader.get(t)! }, { name: FOLLOWER_THROTTLED_REPLICAS, configOperation: SET, value: follower.get(t)! }],
  })));
  const brokers = new Set<number>();
  for (const parts of moves.values()) for (const m of parts.values()) { for (const b of m.sources) brokers.add(b); for (const b of m.destinations) brokers.add(b); }
  errors.push(...await alterConfigs(client, [...brokers].sort((a, b) => a - b).map((id) => ({
    type: BROKER, name: String(id), ops: [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE].map((k) => ({ name: k, configOperation: SET, value: String(rate) })),
  }))));
  return errors;
}

export const USAGE = `Usage: rafka reassign --bootstrap-server HOST:PORT ACTION [options]

Actions (as kafka-reassign-partitions.sh, same JSON files):
  --generate --topics-to-move-json-file FILE --broker-list 1,2,3
        print the current assignment and a proposed one over the given brokers
        (FILE: {"version":1,"topics":[{"topic":"t"}]})
  --execute --reassignment-json-file FILE
        start the reassignment (FILE: {"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2]}]});
        prints the current assignment first: save it to roll back
        --throttle B/s   throttle the replication of the moving replicas (run --verify until done to remove it)
  --verify --reassignment-json-file FILE     complete / still in progress, per partition (exit 1 while any is not done);
        once nothing listed is moving, clears the replication throttles [--preserve-throttles: keep them]
  --cancel --reassignment-json-file FILE     cancel the listed reassignments (the original replicas come back)
  --list                                     reassignments in progress
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

interface PlanEntry { topic: string; partition: number; replicas: number[]; log_dirs?: string[] }

export function parsePlan(v: unknown, file: string): PlanEntry[] {
  const parts = (v as { partitions?: unknown })?.partitions;
  if (!Array.isArray(parts)) throw new UsageError(`${file}: expected {"version":1,"partitions":[...]}`);
  return parts.map((p: any, i: number) => {
    if (typeof p?.topic !== 'string' || !Number.isInteger(p?.partition) || !Array.isArray(p?.replicas) || !p.replicas.every(Number.isInteger)) {
      throw new UsageError(`${file}: partition entry ${i} needs "topic" (string), "partition" and "replicas" (integers): ${JSON.stringify(p)}`);
    }
    return { topic: p.topic, partition: p.partition, replicas: p.replicas };
  });
}

const planJson = (ps: PlanEntry[]) => JSON.stringify({ version: 1, partitions: ps.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any') })) });

async function currentAssignment(client: AdminClient, topics: string[]): Promise<PlanEntry[]> {
  const md = await client.metadata(topics);
  const out: PlanEntry[] = [];
  for (const t of md.topics) {
    if (t.errorCode !== ErrorCode.NONE) throw new UsageError(`topic ${t.name}: ${describeError(t.errorCode)}`);
    for (const p of t.partitions) out.push({ topic: t.name, partition: p.partition, replicas: p.replicas });
  }
  return out;
}

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('reassign', USAGE, io, async () => {
    const { values } = parse(argv, {
      generate: { type: 'boolean' }, execute: { type: 'boolean' }, verify: { type: 'boolean' }, cancel: { type: 'boolean' }, list: { type: 'boolean' },
      'topics-to-move-json-file': { type: 'string' }, 'reassignment-json-file': { type: 'string' }, 'broker-list': { type: 'string' },
      throttle: { type: 'string' }, 'preserve-throttles': { type: 'boolean' },
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const actions = ['generate', 'execute', 'verify', 'cancel', 'list'].filter((a) => values[a]);
    if (actions.length !== 1) throw new UsageError('exactly one of --generate, --execute, --verify, --cancel, --list is required');
    const json = values.json === true;
    if (values.throttle !== undefined && !values.execute) throw new UsageError('--throttle goes with --execute');
    if (values['preserve-throttles'] && !values.verify) throw new UsageError('--preserve-throttles goes with --verify');
    const client = clientFor(values);
    try {
      const action = actions[0]!;
      if (action === 'generate') {
        const file = str(values['topics-to-move-json-file'], 'topics-to-move-json-file', true)!;
        const brokers = intList(values['broker-list'], 'broker-list');
        if (!brokers || brokers.length === 0) throw new UsageError('--generate needs --broker-list');
        const topicsV = (readJsonFile(file) as { topics?: Array<{ topic?: unknown }> })?.topics;
        if (!Array.isArray(topicsV) || !topicsV.every((t) => typeof t?.topic === 'string')) throw new UsageError(`${file}: expected {"version":1,"topics":[{"topic":"t"}]}`);
        const topics = topicsV.map((t) => t.topic as string);
        const current = await currentAssignment(client, topics);
        const proposed: PlanEntry[] = [];
        for (const topic of topics) {
          const parts = current.filter((p) => p.topic === topic);
          const rf = parts[0]?.replicas.length ?? 0;
          if (rf > brokers.length) throw new UsageError(`topic ${topic} has replication factor ${rf}, more than the ${brokers.length} brokers of --broker-list`);
          const plan = assignReplicasToBrokers(parts.length, rf, brokers);
          for (const p of parts) proposed.push({ topic, partition: p.partition, replicas: plan.get(p.partition)! });
        }
        if (json) io.out(`${JSON.stringify({ current: JSON.parse(planJson(current)), proposed: JSON.parse(planJson(proposed)) })}\n`);
        else io.out(`Current partition replica assignment\n${planJson(current)}\n\nProposed partition reassignment configuration\n${planJson(proposed)}\n`);
        return EXIT.OK;
      }
      if (action === 'list') {
        const r = await client.sendToController(46, { timeoutMs: 30_000, topics: null }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
        if (r.body.errorCode !== ErrorCode.NONE) { io.err(`rafka reassign: ${describeError(r.body.errorCode, r.body.errorMessage)}\n`); return EXIT.FAILED; }
        const rows = r.body.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding: p.addingReplicas, removing: p.removingReplicas })));
        if (json) io.out(`${JSON.stringify(rows)}\n`);
        else if (rows.length === 0) io.out('No partition reassignments found.\n');
        else io.out(`Current partition reassignments:\n${rows.map((x) => `${x.topic}-${x.partition}: replicas: ${x.replicas.join(',')}. adding: ${x.adding.join(',')}. removing: ${x.removing.join(',')}.`).join('\n')}\n`);
        return EXIT.OK;
      }
      const file = str(values['reassignment-json-file'], 'reassignment-json-file', true)!;
      const plan = parsePlan(readJsonFile(file), file);
      const byTopic = new Map<string, PlanEntry[]>();
      for (const p of plan) { const l = byTopic.get(p.topic); if (l) l.push(p); else byTopic.set(p.topic, [p]); }
      if (action === 'execute' || action === 'cancel') {
        const throttle = int(values.throttle, 'throttle');
        if (action === 'execute') {
          const current = (await currentAssignment(client, [...byTopic.keys()])).filter((c) => plan.some((p) => p.topic === c.topic && p.partition === c.partition));
          if (!json) io.out(`Current partition replica assignment\n\n${planJson(current)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
          if (throttle !== undefined && throttle >= 0) {
            if (!json) io.out(`${VERIFY_WARNING}\n`);
            const ongoing = await client.sendToController(46, { timeoutMs: 30_000, topics: null }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
            const inFlight = ongoing.body.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding: p.addingReplicas })));
            const moves = proposedMoveMap(inFlight, plan, current);
            const failed = await setThrottles(client, moves, throttle);
            if (failed.length > 0) { for (const f of failed) io.err(`rafka reassign: setting the throttle: ${f}\n`); return EXIT.FAILED; }
            if (!json) io.out(`The inter-broker throttle limit was set to ${throttle} B/s\n`);
          }
        }
        const r = await client.sendToController(45, {
          timeoutMs: 30_000,
          topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((p) => ({ partitionIndex: p.partition, replicas: action === 'cancel' ? null : p.replicas })) })),
        }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
        if (r.body.errorCode !== ErrorCode.NONE) { io.err(`rafka reassign: ${describeError(r.body.errorCode, r.body.errorMessage)}\n`); return EXIT.FAILED; }
        const results = r.body.responses.flatMap((t) => t.partitions.map((p) => ({ tp: `${t.name}-${p.partitionIndex}`, errorCode: p.errorCode, errorMessage: p.errorMessage })));
        const failed = results.filter((x) => x.errorCode !== ErrorCode.NONE);
        const ok = results.filter((x) => x.errorCode === ErrorCode.NONE).map((x) => x.tp);
        if (json) io.out(`${JSON.stringify({ [action === 'cancel' ? 'cancelled' : 'started']: ok, errors: failed.map((f) => ({ partition: f.tp, error: describeError(f.errorCode, f.errorMessage) })) })}\n`);
        else {
          if (ok.length > 0) io.out(action === 'cancel' ? `Successfully cancelled partition reassignments for: ${ok.join(',')}\n` : `Successfully started partition reassignments for ${ok.join(',')}\n`);
          for (const f of failed) io.err(`Error reassigning partition(s): ${f.tp}: ${describeError(f.errorCode, f.errorMessage)}\n`);
        }
        return failed.length > 0 ? EXIT.FAILED : EXIT.OK;
      }
      // verify
      const ongoing = await client.sendToController(46, { timeoutMs: 30_000, topics: [...byTopic].map(([name, ps]) => ({ name, partitionIndexes: ps.map((p) => p.partition) })) },
        (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
      if (ongoing.body.errorCode !== ErrorCode.NONE) { io.err(`rafka reassign: ${describeError(ongoing.body.errorCode, ongoing.body.errorMessage)}\n`); return EXIT.FAILED; }
      const inProgress = new Set(ongoing.body.topics.flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}`)));
      const current = await currentAssignment(client, [...byTopic.keys()]);
      const status = plan.map((p) => {
        const tp = `${p.topic}-${p.partition}`;
        const cur = current.find((c) => c.topic === p.topic && c.partition === p.partition);
        const state = inProgress.has(tp) ? 'in progress' : cur && cur.replicas.join() === p.replicas.join() ? 'complete' : 'failed';
        return { partition: tp, state, replicas: cur?.replicas ?? [] };
      });
      if (json) io.out(`${JSON.stringify(status)}\n`);
      else {
        io.out('Status of partition reassignment:\n');
        for (const s of status) {
          io.out(s.state === 'complete' ? `Reassignment of partition ${s.partition} is completed.\n`
            : s.state === 'in progress' ? `Reassignment of partition ${s.partition} is still in progress.\n`
            : `Reassignment of partition ${s.partition} is not in progress and the replicas are ${s.replicas.join(',')}, not the target.\n`);
        }
      }
      if (inProgress.size === 0 && !values['preserve-throttles']) {
        // Kafka's clearAllThrottles: every broker (and the plan's replicas), then the plan's topics
        const brokers = [...new Set([...(await client.metadata([])).brokers.map((b) => b.id), ...plan.flatMap((p) => p.replicas)])].sort((a, b) => a - b);
        const topics = [...byTopic.keys()];
        if (!json) io.out(`Clearing broker-level throttles on broker${brokers.length === 1 ? '' : 's'} ${brokers.join(',')}\n`);
        const errs = await alterConfigs(client, brokers.map((id) => ({ type: BROKER, name: String(id), ops: [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE].map((k) => ({ name: k, configOperation: DELETE, value: null })) })));
        if (!json) io.out(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`);
        errs.push(...await alterConfigs(client, topics.map((t) => ({ type: TOPIC, name: t, ops: [LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS].map((k) => ({ name: k, configOperation: DELETE, value: null })) }))));
        for (const e of errs) io.err(`rafka reassign: clearing the throttles: ${e}\n`);
        if (errs.length > 0) return EXIT.FAILED;
      }
      return status.every((s) => s.state === 'complete') ? EXIT.OK : EXIT.FAILED;
    } finally { client.close(); }
  });
}
