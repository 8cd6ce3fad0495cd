/**
 * `rafka log-dirs describe` — Kafka's kafka-log-dirs.sh --describe (LogDirsCommand) over the Kafka protocol:
 * DescribeLogDirs at each broker of --broker-list (default: all), for --topic-list (default: all topics); prints
 * Kafka's JSON ({"version":1,"brokers":[{"broker":1,"logDirs":[{"logDir":..,"error":..,"partitions":[..]}]}]}).
 */
import { describeError } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, intList, parse, runCommand, str, type Io } from './admin-common.js';

export const USAGE = `Usage: rafka log-dirs describe --bootstrap-server HOST:PORT [--broker-list 1,2] [--topic-list t1,t2]

Each broker's log dirs with the size, offset lag and future flag of each partition replica
(as kafka-log-dirs.sh --describe; the JSON line is the same). Offline dirs show their error.
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('log-dirs describe', USAGE, io, async () => {
    const { values } = parse(argv, { describe: { type: 'boolean' }, 'broker-list': { type: 'string' }, 'topic-list': { type: 'string' } });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const topicList = str(values['topic-list'], 'topic-list')?.split(',').map((t) => t.trim()).filter((t) => t !== '');
    const client = clientFor(values);
    try {
      const md = await client.metadata(topicList ?? null);
      const brokers = intList(values['broker-list'], 'broker-list') ?? md.brokers.map((b) => b.id);
      const topics = topicList === undefined ? null : md.topics.filter((t) => t.errorCode === ErrorCode.NONE).map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => p.partition) }));
      if (!values.json) io.out(`Querying brokers for log directories information\n`);
      const out: Array<{ broker: number; logDirs: Array<{ logDir: string; error: string | null; partitions: Array<{ partition: string; size: number; offsetLag: number; isFuture: boolean }> }> }> = [];
      let failed = 0;
      for (const id of brokers) {
        try {
          const r = await client.sendTo(id, 35, { topics });
          out.push({ broker: id, logDirs: r.body.results.map((d) => ({
            logDir: d.logDir, error: d.errorCode === ErrorCode.NONE ? null : describeError(d.errorCode),
            partitions: d.topics.flatMap((t) => t.partitions.map((p) => ({ partition: `${t.name}-${p.partitionIndex}`, size: Number(p.partitionSize), offsetLag: Number(p.offsetLag), isFuture: p.isFutureKey }))),
          })) });
        } catch (e) {
          failed++;
          io.err(`rafka log-dirs describe: broker ${id}: ${(e as Error).message}\n`);
        }
      }
      if (!values.json) io.out(`Received log directory information from brokers ${out.map((b) => b.broker).join(',')}\n`);
      io.out(`${JSON.stringify({ version: 1, brokers: out })}\n`);
      return failed > 0 ? EXIT.FAILED : EXIT.OK;
    } finally { client.close(); }
  });
}
