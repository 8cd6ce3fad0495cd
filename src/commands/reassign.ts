/**
 * `rafka reassign` — Kafka's kafka-reassign-partitions.sh (ReassignPartitionsCommand) over the Kafka protocol, with
 * its JSON files: --generate (a plan spreading the given topics over --broker-list, as AdminUtils.assignReplicasToBrokers
 * — what the Kafka tool does), --execute (AlterPartitionReassignments; prints the current assignment to keep for a
 * rollback), --verify (ListPartitionReassignments + Metadata: complete / in progress / failed per partition), --cancel,
 * --list. --execute --throttle B/s sets the replication throttles as Kafka's tool does (calculateProposedMoveMap: leader
 * throttles `partition:source`, follower throttles `partition:destination` on each topic; the leader and follower rates on
 * every broker moving data); --verify clears them (every broker and the plan's topics) once no listed partition is still
 * moving, unless --preserve-throttles. `log_dirs` in the plan (a dir per replica, "any" = leave it) moves replicas
 * between log dirs of their broker, as Kafka's executeMoves: AlterReplicaLogDirs to each broker after the reassignment
 * started, retried every 100 ms while a broker answers REPLICA_NOT_AVAILABLE (its replica is not there yet), up to
 * --timeout ms; --replica-alter-log-dirs-throttle B/s sets `replica.alter.log.dirs.io.max.bytes.per.second` on the
 * brokers moving replicas; --verify reports each replica move (DescribeLogDirs: Kafka's findLogDirMoveStates) and clears
 * that throttle too. --execute refuses while other reassignments run unless --additional (Kafka's message).
 */
import { describeError, type AdminClient } from '../services/admin/admin-client.js';
import { assignReplicasToBrokers } from '../services/admin/replica-assignment.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, int, intList, parse, readJsonFile, runCommand, str, UsageError, type Io } from './admin-common.js';
import {
  ALTER_LOG_DIRS_RATE, FOLLOWER_THROTTLED_RATE, FOLLOWER_THROTTLED_REPLICAS, LEADER_THROTTLED_RATE, LEADER_THROTTLED_REPLICAS,
} from '../services/replication/replication-quota-manager.js';

const CANNOT_EXECUTE_BECAUSE_OF_EXISTING_MESSAGE = 'Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.';
const ANY_LOG_DIR = 'any';
const BROKER_LEVEL_THROTTLES = [LEADER_THROTTLED_RATE, FOLLOWER_THROTTLED_RATE, ALTER_LOG_DIRS_RATE];
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
        a replica's "log_dirs" entry (absolute path, or "any") moves it to that log dir of its broker
        --throttle B/s   throttle the replication of the moving replicas (run --verify until done to remove it)
        --replica-alter-log-dirs-throttle B/s   throttle moves between log dirs on the moving brokers
        --additional     start it although other reassignments are running (or change their throttle)
        --timeout MS     how long to retry starting log dir moves (default 10000)
  --verify --reassignment-json-file FILE     complete / still in progress, per partition (exit 1 while any is not done);
        once nothing listed is moving, clears the replication throttles [--preserve-throttles: keep them]
  --cancel --reassignment-json-file FILE     cancel the listed reassignments (the original replicas come back)
  --list                                     reassignments in progress
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

interface PlanEntry { topic: string; partition: number; replicas: number[]; log_dirs?: string[] }
/** Kafka's TopicPartitionReplica → target log dir. */
export interface ReplicaMove { topic: string; partition: number; broker: number; dir: string }
/** TopicPartitionReplica.toString. */
const replicaName = (m: { topic: string; partition: number; broker: number }) => `${m.topic}-${m.partition}-${m.broker}`;
/** compareTopicPartitionReplicas: broker, then topic, then partition. */
const byReplica = (a: ReplicaMove, b: ReplicaMove) => a.broker - b.broker || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);
const javaList = (l: unknown[]) => `[${l.join(', ')}]`;

/** parsePartitionReassignmentData's replica assignment: each replica whose log dir is not "any". */
export function replicaMoves(plan: readonly PlanEntry[]): ReplicaMove[] {
  return plan.flatMap((p) => (p.log_dirs ?? []).flatMap((dir, i) => (dir === ANY_LOG_DIR ? [] : [{ topic: p.topic, partition: p.partition, broker: p.replicas[i]!, dir }])));
}

export function parsePlan(v: unknown, file: string): PlanEntry[] {
  const parts = (v as { partitions?: unknown })?.partitions;
  if (!Array.isArray(parts)) throw new UsageError(`${file}: expected {"version":1,"partitions":[...]}`);
  return parts.map((p: any, i: number) => {
    if (typeof p?.topic !== 'string' || !Number.isInteger(p?.partition) || !Array.isArray(p?.replicas) || !p.replicas.every(Number.isInteger)) {
      throw new UsageError(`${file}: partition entry ${i} needs "topic" (string), "partition" and "replicas" (integers): ${JSON.stringify(p)}`);
    }
    if (p.log_dirs === undefined) return { topic: p.topic, partition: p.partition, replicas: p.replicas };
    if (!Array.isArray(p.log_dirs) || !p.log_dirs.every((d: unknown) => typeof d === 'string')) throw new UsageError(`${file}: partition entry ${i}: "log_dirs" must be a list of strings`);
    if (p.log_dirs.length !== p.replicas.length) {
      throw new UsageError(`Size of replicas list ${javaList(p.replicas)} is different from size of log dirs list ${javaList(p.log_dirs)} for partition ${p.topic}-${p.partition}`);
    }
    return { topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.log_dirs };
  });
}

const planJson = (ps: PlanEntry[]) => JSON.stringify({ version: 1, partitions: ps.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any') })) });

/** Kafka's alterReplicaLogDirs: one AlterReplicaLogDirs per broker; the moves started (REPLICA_NOT_AVAILABLE = not yet). */
async function alterReplicaLogDirs(client: AdminClient, moves: readonly ReplicaMove[]): Promise<{ started: ReplicaMove[]; failed: string[] }> {
  const started: ReplicaMove[] = [];
  const failed: string[] = [];
  for (const broker of [...new Set(moves.map((m) => m.broker))]) {
    const mine = moves.filter((m) => m.broker === broker);
    const dirs = new Map<string, Map<string, number[]>>();
    for (const m of mine) {
      const topics = dirs.get(m.dir) ?? new Map<string, number[]>();
      dirs.set(m.dir, topics);
      topics.set(m.topic, [...(topics.get(m.topic) ?? []), m.partition]);
    }
    const r = await client.sendTo(broker, 34, { dirs: [...dirs].map(([path, topics]) => ({ path, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) })) });
    for (const t of r.body.results) {
      for (const p of t.partitions) {
        const m = mine.find((x) => x.topic === t.topicName && x.partition === p.partitionIndex);
        if (!m || p.errorCode === ErrorCode.REPLICA_NOT_AVAILABLE) continue;
        if (p.errorCode === ErrorCode.NONE) started.push(m);
        else failed.push(`Failed to alter dir for ${replicaName(m)}: ${describeError(p.errorCode)}`);
      }
    }
  }
  return { started, failed };
}

/** Kafka's LogDirMoveState per replica move (findLogDirMoveStates over DescribeLogDirs at each broker). */
export type LogDirMoveState =
  | { kind: 'missingReplica'; target: string } | { kind: 'missingLogDir'; target: string }
  | { kind: 'active'; current: string; target: string; future: string } | { kind: 'cancelled'; current: string; target: string }
  | { kind: 'completed'; target: string };

async function findLogDirMoveStates(client: AdminClient, moves: readonly ReplicaMove[]): Promise<Map<ReplicaMove, LogDirMoveState>> {
  const states = new Map<ReplicaMove, LogDirMoveState>();
  for (const broker of [...new Set(moves.map((m) => m.broker))]) {
    const mine = moves.filter((m) => m.broker === broker);
    const topics = [...new Set(mine.map((m) => m.topic))].map((topic) => ({ topic, partitions: mine.filter((m) => m.topic === topic).map((m) => m.partition) }));
    let results: Array<{ errorCode: number; logDir: string; topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; isFutureKey: boolean }> }> }> = [];
    try { results = (await client.sendTo(broker, 35, { topics })).body.results; } catch { /* broker unreachable: the replicas are missing */ }
    for (const m of mine) {
      let current: string | null = null;
      let future: string | null = null;
      let offline = false;
      for (const d of results) {
        if (d.errorCode !== ErrorCode.NONE) { offline = true; continue; }
        const p = d.topics.find((t) => t.name === m.topic)?.partitions.find((x) => x.partitionIndex === m.partition);
        if (p) { if (p.isFutureKey) future = d.logDir; else current = d.logDir; }
      }
      if (current === null && future === null) states.set(m, offline ? { kind: 'missingLogDir', target: m.dir } : { kind: 'missingReplica', target: m.dir });
      else if (current === null) states.set(m, { kind: 'missingLogDir', target: m.dir });
      else if (future === null) states.set(m, current === m.dir ? { kind: 'completed', target: m.dir } : { kind: 'cancelled', current, target: m.dir });
      else states.set(m, { kind: 'active', current, target: m.dir, future });
    }
  }
  return states;
}

/** Kafka's replicaMoveStatesToString, one line per replica move. */
export function replicaMoveStateLine(m: ReplicaMove, s: LogDirMoveState): string {
  const tp = `${m.topic}-${m.partition}`;
  switch (s.kind) {
    case 'missingLogDir': return `Partition ${tp} is not found in any live log dir on broker ${m.broker}. There is likely an offline log directory on the broker.`;
    case 'missingReplica': return `Partition ${tp} cannot be found in any live log directory on broker ${m.broker}.`;
    case 'active': return s.target === s.future ? `Reassignment of replica ${replicaName(m)} is still in progress.`
      : `Partition ${tp} on broker ${m.broker} is being moved to log dir ${s.future} instead of ${s.target}.`;
    case 'cancelled': return `Partition ${tp} on broker ${m.broker} is not being moved from log dir ${s.current} to ${s.target}.`;
    case 'completed': return `Reassignment of replica ${replicaName(m)} completed successfully.`;
  }
}

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
      'replica-alter-log-dirs-throttle': { type: 'string' }, additional: { type: 'boolean' }, timeout: { type: 'string' },
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const actions = ['generate', 'execute', 'verify', 'cancel', 'list'].filter((a) => values[a]);
    if (actions.length !== 1) throw new UsageError('exactly one of --generate, --execute, --verify, --cancel, --list is required');
    const json = values.json === true;
    if (values.throttle !== undefined && !values.execute) throw new UsageError('--throttle goes with --execute');
    if (values['replica-alter-log-dirs-throttle'] !== undefined && !values.execute) throw new UsageError('--replica-alter-log-dirs-throttle goes with --execute');
    if (values.additional && !values.execute) throw new UsageError('--additional goes with --execute');
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
        const dirThrottle = int(values['replica-alter-log-dirs-throttle'], 'replica-alter-log-dirs-throttle');
        const timeoutMs = int(values.timeout, 'timeout') ?? 10_000;
        if (action === 'execute') {
          const ongoing = await client.sendToController(46, { timeoutMs: 30_000, topics: null }, (b) => b.errorCode === ErrorCode.NOT_CONTROLLER);
          const inFlight = ongoing.body.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, adding: p.addingReplicas })));
          if (inFlight.length > 0 && !values.additional) { io.err(`${CANNOT_EXECUTE_BECAUSE_OF_EXISTING_MESSAGE}\n`); return EXIT.FAILED; }
          const current = (await currentAssignment(client, [...byTopic.keys()])).filter((c) => plan.some((p) => p.topic === c.topic && p.partition === c.partition));
          if (!json) io.out(`Current partition replica assignment\n\n${planJson(current)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`);
          if (!json && ((throttle ?? -1) >= 0 || (dirThrottle ?? -1) >= 0)) io.out(`${VERIFY_WARNING}\n`);
          if (dirThrottle !== undefined && dirThrottle >= 0) {
            // modifyLogDirThrottle: the brokers with a replica moving between log dirs
            const brokers = [...new Set(replicaMoves(plan).map((m) => m.broker))].sort((a, b) => a - b);
            const failed = await alterConfigs(client, brokers.map((id) => ({ type: BROKER, name: String(id), ops: [{ name: ALTER_LOG_DIRS_RATE, configOperation: SET, value: String(dirThrottle) }] })));
            if (failed.length > 0) { for (const f of failed) io.err(`rafka reassign: setting the throttle: ${f}\n`); return EXIT.FAILED; }
            if (!json) io.out(`The replica-alter-dir throttle limit was set to ${dirThrottle} B/s\n`);
          }
          if (throttle !== undefined && throttle >= 0) {
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
        if (failed.length > 0) return EXIT.FAILED;
        const dirMoves = action === 'execute' ? replicaMoves(plan) : [];
        if (dirMoves.length > 0) {
          // Kafka's executeMoves: a replica new on its broker answers REPLICA_NOT_AVAILABLE until it is created there
          const deadline = Date.now() + timeoutMs;
          let pending = dirMoves;
          const startedAll: ReplicaMove[] = [];
          for (;;) {
            const r = await alterReplicaLogDirs(client, pending);
            if (r.failed.length > 0) { for (const f of r.failed) io.err(`rafka reassign: ${f}\n`); return EXIT.FAILED; }
            if (r.started.length > 0 && !json) io.out(`Successfully started log directory move${r.started.length === 1 ? '' : 's'} for: ${[...r.started].sort(byReplica).map(replicaName).join(',')}\n`);
            startedAll.push(...r.started);
            pending = pending.filter((m) => !r.started.includes(m));
            if (pending.length === 0) break;
            if (Date.now() >= deadline) {
              io.err(`Timed out before log directory move${pending.length === 1 ? '' : 's'} could be started for: ${[...pending].sort(byReplica).map(replicaName).join(',')}\n`);
              return EXIT.FAILED;
            }
            await new Promise((res) => setTimeout(res, 100));
          }
          if (json) io.out(`${JSON.stringify({ logDirMovesStarted: startedAll.sort(byReplica).map(replicaName) })}\n`);
        }
        return EXIT.OK;
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
      const dirMoves = replicaMoves(plan);
      const moveStates = dirMoves.length > 0 ? await findLogDirMoveStates(client, dirMoves) : new Map<ReplicaMove, LogDirMoveState>();
      const movesOngoing = [...moveStates.values()].some((m) => m.kind !== 'completed');
      if (json) { if (dirMoves.length > 0) io.out(`${JSON.stringify([...dirMoves].sort(byReplica).map((m) => ({ replica: replicaName(m), ...moveStates.get(m)! })))}\n`); }
      else for (const m of [...dirMoves].sort(byReplica)) io.out(`${replicaMoveStateLine(m, moveStates.get(m)!)}\n`);
      if (inProgress.size === 0 && !movesOngoing && !values['preserve-throttles']) {
        // Kafka's clearAllThrottles: every broker (and the plan's replicas), then the plan's topics
        const brokers = [...new Set([...(await client.metadata([])).brokers.map((b) => b.id), ...plan.flatMap((p) => p.replicas)])].sort((a, b) => a - b);
        const topics = [...byTopic.keys()];
        if (!json) io.out(`Clearing broker-level throttles on broker${brokers.length === 1 ? '' : 's'} ${brokers.join(',')}\n`);
        const errs = await alterConfigs(client, brokers.map((id) => ({ type: BROKER, name: String(id), ops: BROKER_LEVEL_THROTTLES.map((k) => ({ name: k, configOperation: DELETE, value: null })) })));
        if (!json) io.out(`Clearing topic-level throttles on topic${topics.length === 1 ? '' : 's'} ${topics.join(',')}\n`);
        errs.push(...await alterConfigs(client, topics.map((t) => ({ type: TOPIC, name: t, ops: [LEADER_THROTTLED_REPLICAS, FOLLOWER_THROTTLED_REPLICAS].map((k) => ({ name: k, configOperation: DELETE, value: null })) }))));
        for (const e of errs) io.err(`rafka reassign: clearing the throttles: ${e}\n`);
        if (errs.length > 0) return EXIT.FAILED;
      }
      return status.every((s) => s.state === 'complete') && !movesOngoing ? EXIT.OK : EXIT.FAILED;
    } finally { client.close(); }
  });
}
