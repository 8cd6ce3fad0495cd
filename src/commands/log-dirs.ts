/**
 * `rafka log-dirs check DIR... [--fix] [--json]` — offline audit of a broker's log dirs (Kafka's or Rafka's).
 * Run it while the broker is stopped. Without --fix nothing is written.
 *
 * Exit codes: 0 clean (or everything found was fixed); 1 problems found (left); 2 usage error.
 */
import { parseArgs } from 'node:util';
import { applyFixes, checkLogDirs, CHECK_SCHEMA, planFixes, renderCheckReport } from '../tools/log/check.js';

export const EXIT = { OK: 0, PROBLEMS: 1, USAGE: 2 } as const;

export const USAGE = `Usage: rafka log-dirs check DIR... [--fix] [--json]
       rafka log-dirs describe --bootstrap-server HOST:PORT [--broker-list 1,2] [--topic-list t]  (see its --help)

Offline audit of a broker's log dirs (Kafka's or Rafka's); stop the broker first.
Checks: meta.properties (and that broker.id / cluster.id / version agree across DIRs); the
recovery-point, log-start-offset, replication-offset and cleaner-offset checkpoints against the
actual log end offsets (entries past the end, entries for missing partitions, malformed files);
per partition: leftover .cleaned/.swap/.deleted files, orphan indexes, overlapping segments,
batches from the first corrupt byte on (the broker's recovery rules: framing, magic, CRC,
increasing offsets), missing indexes and indexes that disagree with their log; -delete dirs.
Prints a summary per partition (size, segments, log start/end offsets, batches, records).

Options:
      --fix     repair what a broker's startup would repair anyway (run its log recovery on the
                affected partitions: truncate a corrupt tail, rebuild indexes, remove leftover
                temporary files; delete -delete dirs; drop checkpoint entries of missing
                partitions and lower offsets past the log end). Prints the plan first, then
                checks again. A log-start-offset past the log end is never "fixed".
      --json    print the report as JSON (schema "${CHECK_SCHEMA}")
  -h, --help    show this help

Exit codes: 0 clean, 1 problems found, 2 usage error.
`;

export async function run(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  // `rafka log-dirs describe --bootstrap-server ...` (or kafka-log-dirs.sh's --describe): the online command
  if (argv.includes('describe') || (argv.includes('--describe') && argv.includes('--bootstrap-server'))) {
    const { run: describe } = await import('./log-dirs-describe.js');
    const i = argv.indexOf('describe');
    return describe(i >= 0 ? [...argv.slice(0, i), ...argv.slice(i + 1)] : argv, io);
  }
  const out = io.out ?? ((s: string) => { process.stdout.write(s); });
  const err = io.err ?? ((s: string) => { process.stderr.write(s); });
  if (!io.out) process.stdout.on('error', () => undefined);
  const usage = (msg: string): number => { err(`rafka log-dirs: ${msg}\n\n${USAGE}`); return EXIT.USAGE; };
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { fix: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (e) { return usage((e as Error).message); }
  const { values, positionals } = parsed;
  if (values.help) { out(USAGE); return EXIT.OK; }
  const [sub, ...dirs] = positionals;
  if (sub !== 'check') return usage(sub === undefined ? 'missing subcommand (check)' : `unknown subcommand '${sub}' (expected check)`);
  if (dirs.length === 0) return usage('missing DIR');

  let report = await checkLogDirs(dirs);
  let fixes: { planned: { path: string; action: string }[]; log: string[]; before: typeof report.problems } | null = null;
  if (values.fix) {
    const planned = planFixes(report);
    const fixLog: string[] = [];
    if (planned.length > 0) {
      if (!values.json) {
        out(`${renderCheckReport(report)}\nWill fix (${planned.length}):\n${planned.map((a) => `${a.path}: ${a.action}`).join('\n')}\n\n`);
      }
      try {
        await applyFixes(report, (m) => { fixLog.push(m); if (!values.json) out(`${m}\n`); });
      } catch (e) {
        err(`rafka log-dirs: fixing failed: ${(e as Error).message}\n`);
      }
      fixes = { planned, log: fixLog, before: report.problems };
      report = await checkLogDirs(dirs);
      if (!values.json) out('\nAfter fixing:\n');
    } else fixes = { planned, log: fixLog, before: report.problems };
  }
  if (values.json) out(`${JSON.stringify({ ...report, fixes }, null, 2)}\n`);
  else out(renderCheckReport(report));
  const unfixable = report.problems.filter((p) => p.fix === null).length;
  if (report.problems.length > 0) {
    err(`rafka log-dirs: ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'} found` +
      `${values.fix ? '' : report.problems.length > unfixable ? ` (${report.problems.length - unfixable} fixable with --fix)` : ''}\n`);
  }
  return report.problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
