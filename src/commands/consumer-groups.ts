/**
 * `rafka consumer-groups` — Kafka's kafka-consumer-groups.sh (ConsumerGroupCommand) over the Kafka protocol: --list
 * (ListGroups at every broker) and --describe --group G (FindCoordinator, DescribeGroups and OffsetFetch at the
 * coordinator, ListOffsets latest at each partition leader): per partition the committed offset, the log end offset
 * (the high watermark, what Kafka's tool shows) and the lag, with the member owning it (from the consumer protocol's
 * assignment bytes). Not yet: --reset-offsets, --delete.
 */
import { describeError, type AdminClient } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, parse, runCommand, str, table, UsageError, type Io } from './admin-common.js';

export const USAGE = `Usage: rafka consumer-groups --bootstrap-server HOST:PORT (--list | --describe --group G)

As kafka-consumer-groups.sh: --list prints every group id; --describe prints, per partition with a
committed offset or an owner, CURRENT-OFFSET, LOG-END-OFFSET, LAG and the owning member.
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

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('consumer-groups', USAGE, io, async () => {
    const { values } = parse(argv, { list: { type: 'boolean' }, describe: { type: 'boolean' }, group: { type: 'string' } });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    if ((values.list ? 1 : 0) + (values.describe ? 1 : 0) !== 1) throw new UsageError('exactly one of --list, --describe is required');
    const client = clientFor(values);
    try {
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
      const group = str(values.group, 'group', true)!;
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
