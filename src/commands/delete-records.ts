/**
 * `rafka delete-records` — Kafka's kafka-delete-records.sh (DeleteRecordsCommand) over the Kafka protocol: moves the
 * log start offset of each listed partition (DeleteRecords at its leader; -1 = up to the high watermark) and prints the
 * resulting low watermarks.
 */
import { describeError } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, parse, readJsonFile, runCommand, str, UsageError, type Io } from './admin-common.js';

export const USAGE = `Usage: rafka delete-records --bootstrap-server HOST:PORT --offset-json-file FILE

Deletes every record below the given offset of each partition (as kafka-delete-records.sh).
FILE: {"version":1,"partitions":[{"topic":"t","partition":0,"offset":100}]}  (offset -1: up to the high watermark)
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('delete-records', USAGE, io, async () => {
    const { values } = parse(argv, { 'offset-json-file': { type: 'string' } });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const file = str(values['offset-json-file'], 'offset-json-file', true)!;
    const ps = (readJsonFile(file) as { partitions?: Array<{ topic?: unknown; partition?: unknown; offset?: unknown }> })?.partitions;
    if (!Array.isArray(ps) || !ps.every((p) => typeof p?.topic === 'string' && Number.isInteger(p?.partition) && Number.isInteger(p?.offset))) {
      throw new UsageError(`${file}: expected {"version":1,"partitions":[{"topic":"t","partition":0,"offset":100}]}`);
    }
    const client = clientFor(values);
    try {
      const wanted = ps.map((p) => ({ topic: p.topic as string, partition: p.partition as number, offset: BigInt(p.offset as number) }));
      const md = await client.metadata([...new Set(wanted.map((w) => w.topic))]);
      const results: Array<{ tp: string; lowWatermark: bigint; errorCode: number }> = [];
      const byLeader = new Map<number, typeof wanted>();
      for (const w of wanted) {
        const leader = md.topics.find((t) => t.name === w.topic)?.partitions.find((p) => p.partition === w.partition)?.leader;
        if (leader === undefined || leader < 0) { results.push({ tp: `${w.topic}-${w.partition}`, lowWatermark: -1n, errorCode: leader === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.LEADER_NOT_AVAILABLE }); continue; }
        const l = byLeader.get(leader); if (l) l.push(w); else byLeader.set(leader, [w]);
      }
      for (const [leader, list] of byLeader) {
        const byTopic = new Map<string, typeof list>();
        for (const w of list) { const l = byTopic.get(w.topic); if (l) l.push(w); else byTopic.set(w.topic, [w]); }
        const r = await client.sendTo(leader, 21, { timeoutMs: 30_000, topics: [...byTopic].map(([name, l]) => ({ name, partitions: l.map((w) => ({ partitionIndex: w.partition, offset: w.offset })) })) });
        for (const t of r.body.topics) for (const p of t.partitions) results.push({ tp: `${t.name}-${p.partitionIndex}`, lowWatermark: p.lowWatermark, errorCode: p.errorCode });
      }
      const failed = results.filter((r) => r.errorCode !== ErrorCode.NONE);
      if (values.json) io.out(`${JSON.stringify(results.map((r) => ({ partition: r.tp, lowWatermark: Number(r.lowWatermark), error: r.errorCode === ErrorCode.NONE ? null : describeError(r.errorCode) })))}\n`);
      else {
        io.out('Records delete operation completed:\n');
        for (const r of results) io.out(r.errorCode === ErrorCode.NONE ? `partition: ${r.tp}\tlow_watermark: ${r.lowWatermark}\n` : `partition: ${r.tp}\terror: ${describeError(r.errorCode)}\n`);
      }
      return failed.length > 0 ? EXIT.FAILED : EXIT.OK;
    } finally { client.close(); }
  });
}
