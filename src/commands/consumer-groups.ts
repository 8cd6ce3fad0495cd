/**
 * `rafka consumer-groups` — Kafka's kafka-consumer-groups.sh (ConsumerGroupCommand) over the Kafka protocol: --list
 * (ListGroups at every broker) and --describe --group G (FindCoordinator, DescribeGroups and OffsetFetch at the
 * coordinator, ListOffsets latest at each partition leader): per partition the committed offset, the log end offset
 * (the high watermark, what Kafka's tool shows) and the lag, with the member owning it (from the consumer protocol's
 * assignment bytes); --reset-offsets (consumer-groups-reset.ts); --delete --group G (DeleteGroups at each group's
 * coordinator, Kafka's messages); --delete-offsets --group G --topic T[:P,...] (OffsetDelete at the coordinator: Kafka's
 * deleteOffsets messages and TOPIC PARTITION STATUS table); --all-groups for --reset-offsets and --delete.
 */
import { describeError, type AdminClient } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, parse, runCommand, str, table, UsageError, type Io } from './admin-common.js';
import { readFileSync } from 'node:fs';
import { parseDateTime, parseDuration, parseResetPlan, printReset, resetOffsets, type ResetArgs, type ResetRow } from './consumer-groups-reset.js';

export const USAGE = `Usage: rafka consumer-groups --bootstrap-server HOST:PORT (--list | --describe --group G | --reset-offsets ... | --delete --group G)

As kafka-consumer-groups.sh: --list prints every group id; --describe prints, per partition with a
committed offset or an owner, CURRENT-OFFSET, LOG-END-OFFSET, LAG and the owning member.
  --reset-offsets (--group G ... | --all-groups) (--topic T[:P,P...] ... | --all-topics) SCENARIO [--dry-run | --execute] [--export]
        reset inactive groups' committed offsets; SCENARIO is one of --to-earliest, --to-latest,
        --to-current, --to-offset N, --shift-by N, --to-datetime YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm],
        --by-duration PnDTnHnMnS (that long ago), --from-file CSV (the partitions and offsets of an --export;
        no --topic/--all-topics then); --dry-run (the default) only prints the plan (GROUP TOPIC PARTITION
        NEW-OFFSET); --export prints it as CSV (topic,partition,offset; group,topic,partition,offset for several groups)
  --delete (--group G [--group G2 ...] | --all-groups)   delete groups without active members and their offsets
  --delete-offsets --group G --topic T[:P,P...] ...   delete an inactive group's (or unsubscribed topics') committed offsets
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

/** ConsumerProtocol assignment bytes (version, [topic, [partition]], user data) → topic-partitions. */
export function decodeAssignment(b: Uint8Array): Array<{ topic: string; partition: number }> {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const out: Array<{ topic: string; partition: number }> = [];
  if (buf.length < 6) return out;
  let pos = 2;
  const n = buf.readInt32BE(pos); pos += 4;
  for (let i = 0; i < n && pos + 2 <= buf.length; i++) {
    const len = buf.readInt16BE(pos); pos += 2;
    const topic = buf.toString('utf8', pos, pos + len); pos += len;
    const m = buf.readInt32BE(pos); pos += 4;
    for (let j = 0; j < m; j++) { out.push({ topic, partition: buf.readInt32BE(pos) }); pos += 4; }
  }
  return out;
}

async function coordinatorOf(client: AdminClient, group: string): Promise<number> {
  for (let i = 0; i < 10; i++) {
    const r = await client.sendAny(10, { key: group, keyType: 0 }, { maxVersion: 3 });
    if (r.body.errorCode === ErrorCode.NONE) return r.body.nodeId;
    if (r.body.errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE) throw new UsageError(`FindCoordinator for group ${group}: ${describeError(r.body.errorCode, r.body.errorMessage)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new UsageError(`no coordinator available for group ${group}`);
}

/** The --reset-offsets options (ConsumerGroupCommandOptions.checkArgs for this action), for every group. */
function resetArgsOf(values: Record<string, unknown>, groups: string[]): Omit<ResetArgs, 'coordinator' | 'group'> {
  if ((groups.length > 0 ? 1 : 0) + (values['all-groups'] ? 1 : 0) !== 1) throw new UsageError('Option --reset-offsets takes one of these options: --group, --all-groups');
  const topics = (values.topic as string[] | undefined) ?? [];
  const fromFile = values['from-file'] !== undefined;
  if ((topics.length > 0 ? 1 : 0) + (values['all-topics'] ? 1 : 0) !== (fromFile ? 0 : 1)) {
    throw new UsageError(fromFile ? '--from-file takes its partitions from the file: no --topic or --all-topics' : 'One of the reset scopes should be defined: --all-topics, --topic.');
  }
  if (values['dry-run'] && values.execute) throw new UsageError('--dry-run and --execute cannot be used together');
  const scenarios = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'shift-by', 'to-datetime', 'by-duration', 'from-file'].filter((s) => values[s] !== undefined && values[s] !== false);
  if (scenarios.length !== 1) throw new UsageError('--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime, --by-duration, --from-file');
  const long = (flag: string) => {
    const v = str(values[flag], flag)!;
    if (!/^-?\d+$/.test(v)) throw new UsageError(`--${flag} must be an integer, got '${v}'`);
    return BigInt(v);
  };
  const s = scenarios[0]!;
  const scenario: ResetArgs['scenario'] = s === 'to-earliest' ? { kind: 'earliest' } : s === 'to-latest' ? { kind: 'latest' } : s === 'to-current' ? { kind: 'current' }
    : s === 'to-offset' ? { kind: 'offset', n: long('to-offset') } : s === 'shift-by' ? { kind: 'shift', n: long('shift-by') }
    : s === 'to-datetime' ? { kind: 'datetime', ts: parseDateTime(str(values['to-datetime'], 'to-datetime')!) }
    : s === 'by-duration' ? { kind: 'datetime', ts: Date.now() - parseDuration(str(values['by-duration'], 'by-duration')!) }
    : { kind: 'file', plan: parseResetPlan(readPlanFile(str(values['from-file'], 'from-file')!), groups) };
  return { topics, allTopics: values['all-topics'] === true, scenario, execute: values.execute === true };
}

function readPlanFile(file: string): string {
  try { return readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`--from-file ${file}: ${(e as Error).message}`); }
}

/** ListGroups at every broker (Kafka's listConsumerGroups). */
async function allGroups(client: AdminClient): Promise<string[]> {
  const md = await client.metadata([]);
  const groups = new Set<string>();
  for (const b of md.brokers) {
    const r = await client.sendTo(b.id, 16, {}, { maxVersion: 3 });
    for (const g of r.body.groups) groups.add(g.groupId);
  }
  return [...groups].sort();
}

/** Kafka's deleteOffsets: OffsetDelete at the group's coordinator for the named partitions (a bare topic: all of its). */
async function deleteOffsets(client: AdminClient, io: Io, group: string, topics: string[], json: boolean): Promise<number> {
  const whole = topics.filter((t) => !t.includes(':'));
  const md = whole.length > 0 ? await client.metadata(whole) : null;
  const results = new Map<string, { topic: string; partition: number; error: string | null }>();
  const partitions: Array<{ topic: string; partition: number }> = [];
  for (const spec of topics) {
    const i = spec.indexOf(':');
    if (i >= 0) {
      for (const p of spec.slice(i + 1).split(',').map((x) => x.trim())) {
        if (!/^\d+$/.test(p)) throw new UsageError(`invalid --topic '${spec}': expected TOPIC or TOPIC:0,1`);
        partitions.push({ topic: spec.slice(0, i), partition: Number(p) });
      }
      continue;
    }
    const t = md!.topics.find((x) => x.name === spec);
    if (!t || t.errorCode !== ErrorCode.NONE) { results.set(`${spec}\u0000-1`, { topic: spec, partition: -1, error: describeError(t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) }); continue; }
    for (const p of t.partitions) partitions.push({ topic: spec, partition: p.partition });
  }
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.partition]);
  let top: number = ErrorCode.NONE;
  if (byTopic.size > 0) {
    const r = (await client.sendTo(await coordinatorOf(client, group), 47, { groupId: group, topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })) })).body;
    top = r.errorCode;
    for (const p of partitions) {
      const code = top !== ErrorCode.NONE ? top : r.topics.find((t) => t.name === p.topic)?.partitions.find((x) => x.partitionIndex === p.partition)?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      results.set(`${p.topic}\u0000${p.partition}`, { ...p, error: code === ErrorCode.NONE ? null : describeError(code) });
    }
    // Kafka: a partition-level error makes the whole call fail (KafkaFuture all())
    if (top === ErrorCode.NONE && [...results.values()].some((x) => x.error !== null)) top = r.topics.flatMap((t) => t.partitions).find((x) => x.errorCode !== ErrorCode.NONE)?.errorCode ?? top;
  } else if (results.size > 0) top = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
  const rows = [...results.values()].sort((a, b) => ((a.topic + a.partition) < (b.topic + b.partition) ? -1 : (a.topic + a.partition) > (b.topic + b.partition) ? 1 : 0));
  if (json) {
    io.out(`${JSON.stringify({ group, error: top === ErrorCode.NONE ? null : describeError(top), partitions: rows })}\n`);
  } else {
    switch (top) {
      case ErrorCode.NONE: io.out(`Request succeed for deleting offsets with topic ${topics.join(', ')} group ${group}\n`); break;
      case ErrorCode.INVALID_GROUP_ID: io.err(`\nError: '${group}' is not valid.\n`); break;
      case ErrorCode.GROUP_ID_NOT_FOUND: io.err(`\nError: '${group}' does not exist.\n`); break;
      case ErrorCode.GROUP_AUTHORIZATION_FAILED: io.err(`\nError: Access to '${group}' is not authorized.\n`); break;
      case ErrorCode.NON_EMPTY_GROUP: io.err(`\nError: Deleting offsets of a consumer group '${group}' is forbidden if the group is not empty.\n`); break;
      case ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC: case ErrorCode.TOPIC_AUTHORIZATION_FAILED: case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        io.err('\nError: Encounter some partition level error, see the follow-up details:\n'); break;
      default: io.err(`\nError: Encounter some unknown error: ${describeError(top)}\n`);
    }
    const f = (t: string, p: string, st: string) => `${t.padEnd(30)} ${p.padEnd(15)} ${st.padEnd(15)}`;
    io.out(`\n${f('TOPIC', 'PARTITION', 'STATUS')}\n${rows.map((r) => f(r.topic, r.partition >= 0 ? String(r.partition) : 'Not Provided', r.error === null ? 'Successful' : `Error: ${r.error}`)).join('\n')}\n`);
  }
  return top === ErrorCode.NONE ? EXIT.OK : EXIT.FAILED;
}

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('consumer-groups', USAGE, io, async () => {
    // `--shift-by -3` as Kafka's joptsimple takes it (node's parseArgs would read -3 as an option)
    const args = argv.flatMap((a, i) => (/^-\d+$/.test(a) && (argv[i - 1] === '--shift-by' || argv[i - 1] === '--to-offset') ? [] : /^--(shift-by|to-offset)$/.test(a) && /^-\d+$/.test(argv[i + 1] ?? '') ? [`${a}=${argv[i + 1]}`] : [a]));
    const { values } = parse(args, {
      list: { type: 'boolean' }, describe: { type: 'boolean' }, group: { type: 'string', multiple: true }, delete: { type: 'boolean' },
      'reset-offsets': { type: 'boolean' }, topic: { type: 'string', multiple: true }, 'all-topics': { type: 'boolean' },
      'to-earliest': { type: 'boolean' }, 'to-latest': { type: 'boolean' }, 'to-current': { type: 'boolean' }, 'to-offset': { type: 'string' },
      'shift-by': { type: 'string' }, 'to-datetime': { type: 'string' }, 'dry-run': { type: 'boolean' }, execute: { type: 'boolean' },
      'by-duration': { type: 'string' }, 'from-file': { type: 'string' }, export: { type: 'boolean' }, 'all-groups': { type: 'boolean' },
      'delete-offsets': { type: 'boolean' },
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const actions = ['list', 'describe', 'reset-offsets', 'delete', 'delete-offsets'].filter((a) => values[a]);
    if (actions.length !== 1) throw new UsageError('exactly one of --list, --describe, --reset-offsets, --delete, --delete-offsets is required');
    let groups = (values.group as string[] | undefined) ?? [];
    if (groups.length > 1 && !values.delete && !values['reset-offsets']) throw new UsageError('only --delete and --reset-offsets take more than one --group');
    if (values['all-groups'] && !values.delete && !values['reset-offsets']) throw new UsageError('--all-groups goes with --reset-offsets or --delete');
    if (values.export && !values['reset-offsets']) throw new UsageError('--export goes with --reset-offsets');
    const reset = values['reset-offsets'] ? resetArgsOf(values, groups) : null;
    if (values.delete && (groups.length > 0) === (values['all-groups'] === true)) throw new UsageError('--delete needs --group or --all-groups');
    if (values['delete-offsets'] && (groups.length !== 1 || ((values.topic as string[] | undefined) ?? []).length === 0)) throw new UsageError('--delete-offsets needs one --group and --topic');
    const client = clientFor(values);
    try {
      if (values['all-groups']) groups = await allGroups(client);
      if (reset) {
        const results: Array<{ group: string; rows: ResetRow[] }> = [];
        let code: number = EXIT.OK;
        for (const group of groups) {
          const r = await resetOffsets(client, io, { ...reset, group, coordinator: await coordinatorOf(client, group) });
          if (r.code !== EXIT.OK) code = r.code;
          results.push({ group, rows: r.rows });
        }
        printReset(io, results, { json: values.json === true, export: values.export === true, executed: reset.execute, singleGroup: (values.group as string[] | undefined)?.length === 1 });
        return code;
      }
      if (values['delete-offsets']) return await deleteOffsets(client, io, groups[0]!, values.topic as string[], values.json === true);
      if (values.delete) {
        // Kafka's deleteGroups: DeleteGroups at each group's coordinator
        const failed: Array<[string, string]> = [];
        for (const g of groups) {
          const r = await client.sendTo(await coordinatorOf(client, g), 42, { groupsNames: [g] });
          const res = r.body.results.find((x) => x.groupId === g);
          if (!res || res.errorCode !== ErrorCode.NONE) failed.push([g, describeError(res?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR)]);
        }
        if (values.json) io.out(`${JSON.stringify({ deleted: groups.filter((g) => !failed.some(([f]) => f === g)), errors: Object.fromEntries(failed) })}\n`);
        else if (failed.length === 0) io.out(`Deletion of requested consumer groups ('${groups.join("', '")}') was successful.\n`);
        else {
          io.err('\nError: Deletion of some consumer groups failed:\n');
          for (const [g, e] of failed) io.err(`* Group '${g}' could not be deleted due to: ${e}\n`);
        }
        return failed.length === 0 ? EXIT.OK : EXIT.FAILED;
      }
      if (values.list) {
        const names = await allGroups(client);
        io.out(values.json ? `${JSON.stringify(names)}\n` : names.map((g) => `${g}\n`).join(''));
        return EXIT.OK;
      }
      const group = str(groups[0], 'group', true)!;
      const coordinator = await coordinatorOf(client, group);
      const dg = (await client.sendTo(coordinator, 15, { groups: [group], includeAuthorizedOperations: false })).body.groups[0]!;
      if (dg.errorCode !== ErrorCode.NONE) { io.err(`Error: ${describeError(dg.errorCode)}\n`); return EXIT.FAILED; }
      const of = (await client.sendTo(coordinator, 9, { groupId: group, topics: null, requireStable: false }, { maxVersion: 7 })).body;
      if (of.errorCode !== ErrorCode.NONE) { io.err(`Error: ${describeError(of.errorCode)}\n`); return EXIT.FAILED; }
      const owner = new Map<string, { memberId: string; host: string; clientId: string }>();
      if (dg.protocolType === 'consumer') {
        for (const m of dg.members) for (const tp of decodeAssignment(m.memberAssignment)) owner.set(`${tp.topic}-${tp.partition}`, { memberId: m.memberId, host: m.clientHost, clientId: m.clientId });
      }
      const rows = new Map<string, { topic: string; partition: number; current: bigint | null }>();
      for (const t of of.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) rows.set(`${t.name}-${p.partitionIndex}`, { topic: t.name, partition: p.partitionIndex, current: p.committedOffset });
      for (const k of owner.keys()) if (!rows.has(k)) { const i = k.lastIndexOf('-'); rows.set(k, { topic: k.slice(0, i), partition: Number(k.slice(i + 1)), current: null }); }
      // log end offsets (latest = the high watermark) at each leader
      const list = [...rows.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
      const md = await client.metadata([...new Set(list.map((r) => r.topic))]);
      const end = new Map<string, bigint>();
      const byLeader = new Map<number, typeof list>();
      for (const r of list) {
        const leader = md.topics.find((t) => t.name === r.topic)?.partitions.find((p) => p.partition === r.partition)?.leader ?? -1;
        if (leader < 0) continue;
        const l = byLeader.get(leader); if (l) l.push(r); else byLeader.set(leader, [r]);
      }
      for (const [leader, rs] of byLeader) {
        const byTopic = new Map<string, number[]>();
        for (const r of rs) { const l = byTopic.get(r.topic); if (l) l.push(r.partition); else byTopic.set(r.topic, [r.partition]); }
        const lo = await client.sendTo(leader, 2, { replicaId: -1, isolationLevel: 0, topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp: -1n })) })) });
        for (const t of lo.body.topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) end.set(`${t.name}-${p.partitionIndex}`, p.offset);
      }
      const out = list.map((r) => {
        const k = `${r.topic}-${r.partition}`;
        const leo = end.get(k) ?? null;
        const o = owner.get(k);
        return { group, topic: r.topic, partition: r.partition, currentOffset: r.current, logEndOffset: leo, lag: r.current !== null && leo !== null ? leo - r.current : null,
          consumerId: o?.memberId ?? null, host: o?.host ?? null, clientId: o?.clientId ?? null };
      });
      if (values.json) {
        io.out(`${JSON.stringify({ group, state: dg.groupState, partitions: out.map((x) => ({ ...x, currentOffset: x.currentOffset === null ? null : Number(x.currentOffset), logEndOffset: x.logEndOffset === null ? null : Number(x.logEndOffset), lag: x.lag === null ? null : Number(x.lag) })) })}\n`);
      } else {
        if (dg.members.length === 0) io.out(`\nConsumer group '${group}' has no active members.\n\n`);
        const d = (v: bigint | string | null) => (v === null ? '-' : String(v));
        io.out(table([['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'],
          ...out.map((x) => [x.group, x.topic, String(x.partition), d(x.currentOffset), d(x.logEndOffset), d(x.lag), d(x.consumerId), d(x.host), d(x.clientId)])]));
      }
      return EXIT.OK;
    } finally { client.close(); }
  });
}
