/**
 * `rafka consumer-groups` — Kafka's kafka-consumer-groups.sh (ConsumerGroupCommand) over the Kafka protocol: --list
 * (ListGroups at every broker) and --describe --group G (FindCoordinator, DescribeGroups and OffsetFetch at the
 * coordinator, ListOffsets latest at each partition leader): per partition the committed offset, the log end offset
 * (the high watermark, what Kafka's tool shows) and the lag, with the member owning it (from the consumer protocol's
 * assignment bytes); --reset-offsets (consumer-groups-reset.ts); --delete --group G (DeleteGroups at each group's
 * coordinator, Kafka's messages).
 */
import { describeError, type AdminClient } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, parse, runCommand, str, table, UsageError, type Io } from './admin-common.js';
import { parseDateTime, resetOffsets, type ResetArgs } from './consumer-groups-reset.js';

export const USAGE = `Usage: rafka consumer-groups --bootstrap-server HOST:PORT (--list | --describe --group G | --reset-offsets ... | --delete --group G)

As kafka-consumer-groups.sh: --list prints every group id; --describe prints, per partition with a
committed offset or an owner, CURRENT-OFFSET, LOG-END-OFFSET, LAG and the owning member.
  --reset-offsets --group G (--topic T[:P,P...] ... | --all-topics) SCENARIO [--dry-run | --execute]
        reset an inactive group's committed offsets; SCENARIO is one of --to-earliest, --to-latest,
        --to-current, --to-offset N, --shift-by N, --to-datetime YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm];
        --dry-run (the default) only prints the plan (GROUP TOPIC PARTITION NEW-OFFSET)
  --delete --group G [--group G2 ...]   delete groups without active members and their offsets
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

/** The --reset-offsets options (ConsumerGroupCommandOptions.checkArgs for this action). */
function resetArgsOf(values: Record<string, unknown>, groups: string[]): Omit<ResetArgs, 'coordinator'> {
  if (groups.length !== 1) throw new UsageError('--reset-offsets needs one --group');
  const topics = (values.topic as string[] | undefined) ?? [];
  if ((topics.length > 0 ? 1 : 0) + (values['all-topics'] ? 1 : 0) !== 1) throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
  if (values['dry-run'] && values.execute) throw new UsageError('--dry-run and --execute cannot be used together');
  const scenarios = ['to-earliest', 'to-latest', 'to-current', 'to-offset', 'shift-by', 'to-datetime'].filter((s) => values[s] !== undefined && values[s] !== false);
  if (scenarios.length !== 1) throw new UsageError('--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by, --to-datetime');
  const long = (flag: string) => {
    const v = str(values[flag], flag)!;
    if (!/^-?\d+$/.test(v)) throw new UsageError(`--${flag} must be an integer, got '${v}'`);
    return BigInt(v);
  };
  const s = scenarios[0]!;
  const scenario: ResetArgs['scenario'] = s === 'to-earliest' ? { kind: 'earliest' } : s === 'to-latest' ? { kind: 'latest' } : s === 'to-current' ? { kind: 'current' }
    : s === 'to-offset' ? { kind: 'offset', n: long('to-offset') } : s === 'shift-by' ? { kind: 'shift', n: long('shift-by') }
    : { kind: 'datetime', ts: parseDateTime(str(values['to-datetime'], 'to-datetime')!) };
  return { group: groups[0]!, topics, allTopics: values['all-topics'] === true, scenario, execute: values.execute === true, json: values.json === true };
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
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const actions = ['list', 'describe', 'reset-offsets', 'delete'].filter((a) => values[a]);
    if (actions.length !== 1) throw new UsageError('exactly one of --list, --describe, --reset-offsets, --delete is required');
    const groups = (values.group as string[] | undefined) ?? [];
    if (groups.length > 1 && !values.delete) throw new UsageError('only --delete takes more than one --group');
    const reset = values['reset-offsets'] ? resetArgsOf(values, groups) : null;
    if (values.delete && groups.length === 0) throw new UsageError('--delete needs --group');
    const client = clientFor(values);
    try {
      if (reset) return await resetOffsets(client, io, { ...reset, coordinator: await coordinatorOf(client, reset.group) });
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
        const md = await client.metadata([]);
        const groups = new Set<string>();
        for (const b of md.brokers) {
          const r = await client.sendTo(b.id, 16, {}, { maxVersion: 3 });
          for (const g of r.body.groups) groups.add(g.groupId);
        }
        const names = [...groups].sort();
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
