/**
 * `rafka leader-election` — Kafka's kafka-leader-election.sh (LeaderElectionCommand) over the Kafka protocol:
 * ElectLeaders at the controller for --topic/--partition, a --path-to-json-file, or --all-topic-partitions, PREFERRED
 * or UNCLEAN; the same result lines as Kafka's tool.
 */
import { describeError } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, int, parse, readJsonFile, runCommand, str, UsageError, type Io } from './admin-common.js';

export const USAGE = `Usage: rafka leader-election --bootstrap-server HOST:PORT --election-type PREFERRED|UNCLEAN
         (--topic T --partition P | --path-to-json-file FILE | --all-topic-partitions)

Elects leaders as kafka-leader-election.sh: PREFERRED moves leadership to the first replica when it is in
sync; UNCLEAN elects a live out-of-sync replica for partitions without a leader (data may be lost).
FILE: {"partitions":[{"topic":"t","partition":0}]}
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('leader-election', USAGE, io, async () => {
    const { values } = parse(argv, {
      'election-type': { type: 'string' }, topic: { type: 'string' }, partition: { type: 'string' },
      'path-to-json-file': { type: 'string' }, 'all-topic-partitions': { type: 'boolean' },
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const typeName = (str(values['election-type'], 'election-type', true) ?? '').toUpperCase();
    if (typeName !== 'PREFERRED' && typeName !== 'UNCLEAN') throw new UsageError(`--election-type must be PREFERRED or UNCLEAN, got '${values['election-type']}'`);
    const topic = str(values.topic, 'topic');
    const partition = int(values.partition, 'partition');
    const file = str(values['path-to-json-file'], 'path-to-json-file');
    const all = values['all-topic-partitions'] === true;
    if ([topic !== undefined, file !== undefined, all].filter(Boolean).length !== 1) throw new UsageError('exactly one of --topic, --path-to-json-file, --all-topic-partitions is required');
    let partitions: Array<{ topic: string; partition: number }> | null = null;
    if (topic !== undefined) {
      if (partition === undefined) throw new UsageError('--topic needs --partition');
      partitions = [{ topic, partition }];
    } else if (file !== undefined) {
      const ps = (readJsonFile(file) as { partitions?: Array<{ topic?: unknown; partition?: unknown }> })?.partitions;
      if (!Array.isArray(ps) || !ps.every((p) => typeof p?.topic === 'string' && Number.isInteger(p?.partition))) throw new UsageError(`${file}: expected {"partitions":[{"topic":"t","partition":0}]}`);
      partitions = ps.map((p) => ({ topic: p.topic as string, partition: p.partition as number }));
    }
    const client = clientFor(values);
    try {
      const byTopic = new Map<string, number[]>();
      for (const p of partitions ?? []) { const l = byTopic.get(p.topic); if (l) l.push(p.partition); else byTopic.set(p.topic, [p.partition]); }
      const r = await client.sendToController(43, {
        electionType: typeName === 'PREFERRED' ? 0 : 1, timeoutMs: 30_000,
        topicPartitions: partitions === null ? null : [...byTopic].map(([t, ps]) => ({ topic: t, partitions: ps })),
      }, (b) => b.replicaElectionResults.some((t) => t.partitionResult.some((p) => p.errorCode === ErrorCode.NOT_CONTROLLER)));
      if (r.body.errorCode !== ErrorCode.NONE) { io.err(`Error completing leader election: ${describeError(r.body.errorCode)}\n`); return EXIT.FAILED; }
      const results = r.body.replicaElectionResults.flatMap((t) => t.partitionResult.map((p) => ({ tp: `${t.topic}-${p.partitionId}`, errorCode: p.errorCode, errorMessage: p.errorMessage })));
      const done = results.filter((x) => x.errorCode === ErrorCode.NONE).map((x) => x.tp);
      const notNeeded = results.filter((x) => x.errorCode === ErrorCode.ELECTION_NOT_NEEDED).map((x) => x.tp);
      const failed = results.filter((x) => x.errorCode !== ErrorCode.NONE && x.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
      if (values.json) {
        io.out(`${JSON.stringify({ electionType: typeName, elected: done, notNeeded, failed: failed.map((f) => ({ partition: f.tp, error: describeError(f.errorCode, f.errorMessage) })) })}\n`);
      } else {
        if (done.length > 0) io.out(`Successfully completed leader election (${typeName}) for partitions ${done.join(', ')}\n`);
        if (notNeeded.length > 0) io.out(`Valid replica already elected for partitions ${notNeeded.join(', ')}\n`);
        if (results.length === 0) io.out('No partitions needed a leader election.\n');
        if (failed.length > 0) {
          io.err(`Error completing leader election (${typeName}) for partitions ${failed.map((f) => f.tp).join(', ')}\n`);
          for (const f of failed) io.err(`${f.tp}: ${describeError(f.errorCode, f.errorMessage)}\n`);
        }
      }
      return failed.length > 0 ? EXIT.FAILED : EXIT.OK;
    } finally { client.close(); }
  });
}
