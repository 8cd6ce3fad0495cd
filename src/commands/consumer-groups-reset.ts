/**
 * `rafka consumer-groups --reset-offsets` — Kafka's ConsumerGroupCommand.resetOffsets over the Kafka protocol:
 * - only a group that is Empty or Dead (no active members; DescribeGroups at its coordinator) is reset, else Kafka's
 *   "Assignments can only be reset if the group 'g' is inactive, but the current state is S.";
 * - scope: --topic T (every partition) or T:0,2 (repeatable), or --all-topics (the partitions with a committed offset);
 * - one scenario: --to-earliest / --to-latest / --to-current / --to-offset N / --shift-by N / --to-datetime
 *   YYYY-MM-DDTHH:mm:SS.sss[Z|±hh:mm] (Utils.getDateTime: no zone = UTC; no offset at or after it = the log end) /
 *   --by-duration PnDTnHnMnS (java.time.Duration: now minus it, then as --to-datetime) / --from-file CSV (Kafka's
 *   export: `topic,partition,offset` for one group, `group,topic,partition,offset` otherwise; its partitions are the
 *   scope); --to-offset, --shift-by and --from-file are clamped to [log start, log end] as checkOffsetsRange;
 * - --group G (repeatable) or --all-groups (every group ListGroups shows); --export prints the plan as that CSV;
 * - --dry-run (the default) prints the plan; --execute commits it (OffsetCommit at the coordinator with generation -1 and
 *   no member, what AdminClient.alterConsumerGroupOffsets sends) and prints it;
 * - output: Kafka's `%-30s %-30s %-10s %-15s` table GROUP TOPIC PARTITION NEW-OFFSET (or --json).
 */
import { describeError, type AdminClient } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { EXIT, UsageError, type Io } from './admin-common.js';

type Tp = { topic: string; partition: number };
const tpKey = (t: Tp) => `${t.topic}-${t.partition}`;

/** Kafka's Utils.getDateTime: `yyyy-MM-dd'T'HH:mm:ss.SSS` with an optional zone (Z, ±hh, ±hhmm, ±hh:mm); none = UTC. */
export function parseDateTime(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(s);
  if (!s.includes('T')) throw new UsageError(`Error parsing timestamp. It does not contain a 'T' according to ISO8601 format: ${s}`);
  if (!m) throw new UsageError(`Unparseable date: "${s}" (expected yyyy-MM-ddTHH:mm:ss.SSS with an optional zone)`);
  const [y, mo, d, h, mi, se, ms] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  const utc = Date.UTC(y, mo - 1, d, h, mi, se, ms);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) {
    throw new UsageError(`Unparseable date: "${s}"`);
  }
  const zone = m[8];
  if (!zone || zone === 'Z') return utc;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offsetMin = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
  return utc - sign * offsetMin * 60_000;
}

/**
 * java.time.Duration.parse: `[-+]PnDTnHnMn.nS` (ASCII letters in either case, each number signed, at least one part,
 * T followed by at least one of H, M, S). Milliseconds.
 */
export function parseDuration(s: string): number {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:(T)(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?)(\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(s);
  if (!m || (m[2] === undefined && m[3] === undefined) || (m[3] !== undefined && m[4] === undefined && m[5] === undefined && m[7] === undefined)) {
    throw new UsageError(`Text cannot be parsed to a Duration: ${s}`);
  }
  const n = (x: string | undefined) => (x === undefined ? 0 : Number(x));
  const frac = m[8] ? Number(m[8].padEnd(3, '0').slice(0, 3)) : 0;
  const seconds = m[7] === undefined ? 0 : (m[6] === '-' ? -1 : 1) * (Number(m[7]) * 1000 + frac);
  const ms = n(m[2]) * 86_400_000 + n(m[4]) * 3_600_000 + n(m[5]) * 60_000 + seconds;
  return m[1] === '-' ? -ms : ms;
}

/** A reset plan read from a CSV file (Kafka's parseResetPlan): group → its partitions and offsets. */
export type ResetPlanFile = Map<string, Array<{ topic: string; partition: number; offset: bigint }>>;

/**
 * Kafka's parseResetPlan: one group asked for and a first line of 3 fields → `topic,partition,offset` for that group;
 * otherwise every line is `group,topic,partition,offset`.
 */
export function parseResetPlan(csv: string, groups: string[]): ResetPlanFile {
  const lines = csv.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  const fields = (l: string) => l.split(',');
  const isTopicPartitionOffset = (l: string) => { const f = fields(l); return f.length === 3 && /^-?\d+$/.test(f[1]!) && /^-?\d+$/.test(f[2]!); };
  const single = groups.length === 1 && lines.length > 0 && isTopicPartitionOffset(lines[0]!);
  const plan: ResetPlanFile = new Map();
  for (const line of lines) {
    const f = fields(line);
    const [group, topic, partition, offset] = single ? [groups[0]!, ...f] : f;
    if (f.length !== (single ? 3 : 4) || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(offset ?? '')) {
      throw new UsageError(`--from-file: cannot parse the line '${line}' (expected ${single ? 'topic,partition,offset' : 'group,topic,partition,offset'})`);
    }
    const list = plan.get(group!) ?? [];
    plan.set(group!, list);
    list.push({ topic: topic!, partition: Number(partition), offset: BigInt(offset!) });
  }
  return plan;
}

/** ListOffsets at each partition's leader: timestamp -2 earliest, -1 latest, else the first offset at or after it (-1: none). */
async function listOffsets(client: AdminClient, tps: Tp[], timestamp: bigint): Promise<Map<string, bigint>> {
  const md = await client.metadata([...new Set(tps.map((t) => t.topic))]);
  const byLeader = new Map<number, Tp[]>();
  for (const tp of tps) {
    const leader = md.topics.find((t) => t.name === tp.topic)?.partitions.find((p) => p.partition === tp.partition)?.leader ?? -1;
    if (leader < 0) continue;
    const l = byLeader.get(leader); if (l) l.push(tp); else byLeader.set(leader, [tp]);
  }
  const out = new Map<string, bigint>();
  for (const [leader, list] of byLeader) {
    const byTopic = new Map<string, number[]>();
    for (const t of list) { const l = byTopic.get(t.topic); if (l) l.push(t.partition); else byTopic.set(t.topic, [t.partition]); }
    const r = await client.sendTo(leader, 2, { replicaId: -1, isolationLevel: 0, topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex, timestamp })) })) });
    for (const t of r.body.topics) for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE) out.set(`${t.name}-${p.partitionIndex}`, p.offset);
  }
  return out;
}

export interface ResetArgs {
  group: string;
  coordinator: number;
  topics: string[];
  allTopics: boolean;
  scenario: { kind: 'earliest' | 'latest' | 'current' } | { kind: 'offset' | 'shift'; n: bigint } | { kind: 'datetime'; ts: number }
    | { kind: 'file'; plan: ResetPlanFile };
  execute: boolean;
}

/** One partition's new offset (Kafka's printOffsetsToReset row). */
export interface ResetRow { group: string; topic: string; partition: number; newOffset: bigint }

class ResetError extends Error {}

/** ConsumerGroupCommand.resetOffsets for one group: the rows of its plan (committed with --execute); errors on io.err. */
export async function resetOffsets(client: AdminClient, io: Io, a: ResetArgs): Promise<{ code: number; rows: ResetRow[] }> {
  const failed: { code: number; rows: ResetRow[] } = { code: EXIT.FAILED, rows: [] };
  const dg = (await client.sendTo(a.coordinator, 15, { groups: [a.group], includeAuthorizedOperations: false })).body.groups[0]!;
  if (dg.errorCode !== ErrorCode.NONE) { io.err(`\nError: ${describeError(dg.errorCode)}\n`); return failed; }
  if (dg.groupState !== 'Empty' && dg.groupState !== 'Dead') {
    io.err(`\nError: Assignments can only be reset if the group '${a.group}' is inactive, but the current state is ${dg.groupState}.\n`);
    return failed;
  }
  const of = (await client.sendTo(a.coordinator, 9, { groupId: a.group, topics: null, requireStable: false }, { maxVersion: 7 })).body;
  if (of.errorCode !== ErrorCode.NONE) { io.err(`\nError: ${describeError(of.errorCode)}\n`); return failed; }
  const committed = new Map<string, bigint>();
  for (const t of of.topics) for (const p of t.partitions) if (p.committedOffset >= 0n) committed.set(`${t.name}-${p.partitionIndex}`, p.committedOffset);

  // getPartitionsToReset
  let tps: Tp[];
  const fromFile = a.scenario.kind === 'file' ? a.scenario.plan.get(a.group) : undefined;
  if (a.scenario.kind === 'file') {
    // the file's partitions are the scope (Kafka: getPartitionsToReset is empty, prepareOffsetsToReset reads the plan)
    if (!fromFile) { io.err(`\nError: No reset plan for group ${a.group} found\n`); return { code: EXIT.OK, rows: [] }; }
    tps = fromFile.map((x) => ({ topic: x.topic, partition: x.partition }));
  } else if (a.allTopics) {
    tps = of.topics.flatMap((t) => t.partitions.filter((p) => p.committedOffset >= 0n).map((p) => ({ topic: t.name, partition: p.partitionIndex })));
  } else {
    const whole = a.topics.filter((t) => !t.includes(':'));
    const md = whole.length > 0 ? await client.metadata(whole) : null;
    tps = [];
    for (const spec of a.topics) {
      const i = spec.indexOf(':');
      if (i >= 0) {
        const ps = spec.slice(i + 1).split(',').map((x) => x.trim());
        if (ps.some((p) => !/^\d+$/.test(p))) throw new UsageError(`invalid --topic '${spec}': expected TOPIC or TOPIC:0,1`);
        for (const p of ps) tps.push({ topic: spec.slice(0, i), partition: Number(p) });
      } else {
        const t = md!.topics.find((x) => x.name === spec);
        if (!t || t.errorCode !== ErrorCode.NONE) throw new ResetError(`Error: topic ${spec}: ${describeError(t?.errorCode ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)}`);
        for (const p of t.partitions) tps.push({ topic: spec, partition: p.partition });
      }
    }
  }
  tps.sort((x, y) => (x.topic < y.topic ? -1 : x.topic > y.topic ? 1 : x.partition - y.partition));

  const need = async (m: Map<string, bigint>, what: string) => {
    for (const tp of tps) if (!m.has(tpKey(tp))) throw new ResetError(`Error getting ${what} of topic partition: ${tpKey(tp)}`);
    return m;
  };
  /** checkOffsetsRange: clamp to [log start, log end], with Kafka's warnings. */
  const clamp = async (requested: Map<string, bigint>) => {
    const start = await listOffsets(client, tps, -2n);
    const end = await listOffsets(client, tps, -1n);
    for (const tp of tps) {
      const k = tpKey(tp);
      const o = requested.get(k)!;
      const e = end.get(k);
      if (e === undefined) throw new ResetError(`Unexpected non-existing offset value for topic partition ${k}`);
      if (o > e) { io.err(`New offset (${o}) is higher than latest offset for topic partition ${k}. Value will be set to ${e}\n`); requested.set(k, e); continue; }
      const s = start.get(k);
      if (s !== undefined && o < s) { io.err(`New offset (${o}) is lower than earliest offset for topic partition ${k}. Value will be set to ${s}\n`); requested.set(k, s); }
    }
    return requested;
  };

  let plan: Map<string, bigint>;
  try {
    const sc = a.scenario;
    switch (sc.kind) {
      case 'earliest': plan = await need(await listOffsets(client, tps, -2n), 'starting offset'); break;
      case 'latest': plan = await need(await listOffsets(client, tps, -1n), 'ending offset'); break;
      case 'offset': plan = await clamp(new Map(tps.map((tp) => [tpKey(tp), sc.n]))); break;
      case 'shift': {
        const req = new Map<string, bigint>();
        for (const tp of tps) {
          const cur = committed.get(tpKey(tp));
          if (cur === undefined) throw new ResetError(`Cannot shift offset for partition ${tpKey(tp)} since there is no current committed offset`);
          req.set(tpKey(tp), cur + sc.n);
        }
        plan = await clamp(req);
        break;
      }
      case 'current': {
        const end = await listOffsets(client, tps.filter((tp) => !committed.has(tpKey(tp))), -1n);
        plan = new Map(tps.map((tp) => [tpKey(tp), committed.get(tpKey(tp)) ?? end.get(tpKey(tp)) ?? -1n]));
        for (const [k, v] of plan) if (v < 0n) throw new ResetError(`Error getting ending offset of topic partition: ${k}`);
        break;
      }
      case 'file': plan = await clamp(new Map(fromFile!.map((x) => [tpKey(x), x.offset]))); break;
      case 'datetime': {
        // getLogTimestampOffsets: no offset at or after the time → the log end
        const at = await listOffsets(client, tps, BigInt(sc.ts));
        const missing = tps.filter((tp) => (at.get(tpKey(tp)) ?? -1n) < 0n);
        const end = missing.length > 0 ? await listOffsets(client, missing, -1n) : new Map<string, bigint>();
        plan = new Map(tps.map((tp) => [tpKey(tp), (at.get(tpKey(tp)) ?? -1n) >= 0n ? at.get(tpKey(tp))! : end.get(tpKey(tp)) ?? -1n]));
        for (const [k, v] of plan) if (v < 0n) throw new ResetError(`Error getting offset by timestamp of topic partition: ${k}`);
        break;
      }
    }
  } catch (e) {
    if (e instanceof ResetError) { io.err(`${e.message}\n`); return failed; }
    throw e;
  }

  if (a.execute && tps.length > 0) {
    const byTopic = new Map<string, Tp[]>();
    for (const tp of tps) { const l = byTopic.get(tp.topic); if (l) l.push(tp); else byTopic.set(tp.topic, [tp]); }
    const r = await client.sendTo(a.coordinator, 8, {
      groupId: a.group, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n,
      topics: [...byTopic].map(([name, ps]) => ({ name, partitions: ps.map((tp) => ({ partitionIndex: tp.partition, committedOffset: plan.get(tpKey(tp))!, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' })) })),
    });
    const errors = r.body.topics.flatMap((t) => t.partitions.filter((p) => p.errorCode !== ErrorCode.NONE).map((p) => `${t.name}-${p.partitionIndex}: ${describeError(p.errorCode)}`));
    if (errors.length > 0) { io.err(`\nError: committing the new offsets failed:\n${errors.map((f) => `* ${f}`).join('\n')}\n`); return failed; }
  }
  return { code: EXIT.OK, rows: tps.map((tp) => ({ group: a.group, topic: tp.topic, partition: tp.partition, newOffset: plan.get(tpKey(tp))! })) };
}

/**
 * Kafka's printOffsetsToReset (one `%-30s %-30s %-10s %-15s` table for every group), exportOffsetsToCsv with --export
 * (`topic,partition,offset` lines for one group asked for, `group,topic,partition,offset` otherwise; println adds a
 * blank line), or --json (one object per group; a single group's object alone).
 */
export function printReset(io: Io, results: Array<{ group: string; rows: ResetRow[] }>, o: { json: boolean; export: boolean; executed: boolean; singleGroup: boolean }): void {
  const rows = results.flatMap((r) => r.rows);
  if (o.export) {
    io.out(`${rows.map((r) => `${o.singleGroup ? '' : `${r.group},`}${r.topic},${r.partition},${r.newOffset}\n`).join('')}\n`);
  } else if (o.json) {
    const objs = results.map((r) => ({ group: r.group, executed: o.executed, partitions: r.rows.map((x) => ({ ...x, newOffset: Number(x.newOffset) })) }));
    io.out(`${JSON.stringify(o.singleGroup ? objs[0] : objs)}\n`);
  } else if (rows.length > 0) {
    const f = (g: string, t: string, p: string, off: string) => `${g.padEnd(30)} ${t.padEnd(30)} ${p.padEnd(10)} ${off.padEnd(15)}`;
    io.out(`\n${f('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET')}\n${rows.map((r) => f(r.group, r.topic, String(r.partition), String(r.newOffset))).join('\n')}\n`);
  }
}
