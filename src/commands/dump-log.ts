/**
 * `rafka dump-log FILE... [--print-data-log] [--deep-iteration] [--verify-index-only] [--offsets-decoder] [--transaction-log-decoder] [--json]`
 * Decodes the files of a Kafka (or Rafka) log dir, like Kafka's `kafka-dump-log.sh`. Read-only.
 *
 * Exit codes: 0 ok; 1 a problem was found (corrupt or truncated data, an index disagreeing with its log,
 * a malformed/unreadable/unknown file); 2 usage error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dumpFiles, fileTypeOf, formatDumpProblem, DUMP_SCHEMA, type DumpOptions } from '../tools/log/dump.js';
import { BufferedWriter, OutputClosedError, stdoutSink, stringSink } from '../tools/log/writer.js';

export const EXIT = { OK: 0, PROBLEMS: 1, USAGE: 2 } as const;

export const USAGE = `Usage: rafka dump-log FILE|DIR... [options]

Decodes log-dir files (Kafka's or Rafka's), like kafka-dump-log.sh. Read-only.
  .log                       batches: offsets, count, position, size, CRC valid?, magic, compression,
                             timestamps, producer id/epoch/sequence, transactional/control flags
  .index, .timeindex         entries, verified against the .log next to them
  .txnindex                  aborted transactions
  .snapshot                  producer state
  *-offset-checkpoint, leader-epoch-checkpoint, partition.metadata, meta.properties
  (.deleted/.cleaned/.swap suffixes are accepted; a directory stands for the files above in it)

Options:
      --print-data-log     print every record: offset, timestamp, key, value, headers (implies
                           --deep-iteration); printable UTF-8 is shown as is, anything else as base64:...
      --deep-iteration     walk the records inside every batch (decompressing gzip), checking them
      --verify-index-only  for .index/.timeindex: print only the entries that disagree with the .log
      --offsets-decoder    decode records as __consumer_offsets offset commits / group metadata
      --transaction-log-decoder  decode records as __transaction_state transaction metadata
      --json               one JSON document (schema "${DUMP_SCHEMA}")
  -h, --help               show this help

A corrupt or truncated file is dumped up to the first bad byte, then "<file>: byte <position>: <problem>".
Exit codes: 0 ok, 1 problems found, 2 usage error.
`;

/** A directory argument (a partition dir or a log dir) stands for the files in it dump-log knows, sorted. */
function expandDirs(args: string[]): string[] {
  return args.flatMap((a) => {
    let isDir = false;
    try {
      isDir = fs.statSync(a).isDirectory();
    } catch {
      /* reported as unreadable later */
    }
    if (!isDir) return [a];
    return fs.readdirSync(a).sort().filter((n) => fileTypeOf(n) !== null && fs.statSync(path.join(a, n)).isFile()).map((n) => path.join(a, n));
  });
}

export async function run(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const err = io.err ?? ((s: string) => { process.stderr.write(s); });
  const usage = (msg: string): number => { err(`rafka dump-log: ${msg}\n\n${USAGE}`); return EXIT.USAGE; };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        'print-data-log': { type: 'boolean' }, 'deep-iteration': { type: 'boolean' }, 'verify-index-only': { type: 'boolean' },
        'offsets-decoder': { type: 'boolean' }, 'transaction-log-decoder': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
        files: { type: 'string', multiple: true },
      },
    });
  } catch (e) { return usage((e as Error).message); }
  const { values, positionals } = parsed;
  if (values.help) { (io.out ?? ((s: string) => { process.stdout.write(s); }))(USAGE); return EXIT.OK; }
  const files = expandDirs([...(values.files ?? []).flatMap((f) => f.split(',')), ...positionals].filter((f) => f.length > 0));
  if (files.length === 0) return usage('missing FILE');
  const opts: DumpOptions = {
    printDataLog: values['print-data-log'] ?? false,
    deepIteration: values['deep-iteration'] ?? false,
    verifyIndexOnly: values['verify-index-only'] ?? false,
    offsetsDecoder: values['offsets-decoder'] ?? false,
    transactionLogDecoder: values['transaction-log-decoder'] ?? false,
    json: values.json ?? false,
  };
  if (opts.offsetsDecoder || opts.transactionLogDecoder) opts.printDataLog = true; // as Kafka: a decoder implies printing the data
  const w = new BufferedWriter(io.out ? stringSink(io.out) : stdoutSink());
  let problems;
  try {
    problems = await dumpFiles(files, opts, w);
  } catch (e) {
    if (e instanceof OutputClosedError) return EXIT.OK; // the reader went away (`| head`): not our failure
    throw e;
  }
  for (const p of problems) err(`rafka dump-log: ${formatDumpProblem(p)}\n`);
  return problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
