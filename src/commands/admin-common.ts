/**
 * What the `rafka` admin subcommands (topics, reassign, leader-election, delete-records, log-dirs describe, configs,
 * consumer-groups) share: argument parsing with Kafka's tool flag names (--bootstrap-server, --topic, ...), the admin
 * client (services/admin/admin-client.ts: Kafka protocol only, Rafka's own codec — no JVM, no extra dependency), output
 * helpers and the exit codes:
 *
 *   0 success · 1 the cluster refused or failed part of the operation (errors printed) · 2 usage error ·
 *   3 could not reach the cluster (no broker answered).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { AdminClient, AdminClientError } from '../services/admin/admin-client.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3 } as const;

export const EXIT_CODES_HELP = 'Exit codes: 0 success, 1 the cluster refused or failed part of the operation, 2 usage error, 3 no broker reachable.';

export const COMMON_OPTIONS_HELP = `      --bootstrap-server HOST:PORT[,HOST:PORT...]   brokers to connect to (required)
      --command-config FILE   client properties; only request.timeout.ms is read (PLAINTEXT only so far)
      --json                  machine-readable output
  -h, --help                  show this help`;

export interface Io { out: (s: string) => void; err: (s: string) => void }

export function defaultIo(io: Partial<Io> = {}): Io {
  if (!io.out) process.stdout.on('error', () => undefined);
  return { out: io.out ?? ((s) => { process.stdout.write(s); }), err: io.err ?? ((s) => { process.stderr.write(s); }) };
}

export class UsageError extends Error { override name = 'UsageError'; }

type Options = NonNullable<ParseArgsConfig['options']>;
const COMMON: Options = {
  'bootstrap-server': { type: 'string' },
  'command-config': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

export function parse(argv: string[], options: Options): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, allowPositionals: true, options: { ...COMMON, ...options }, strict: true });
    return { values: r.values as Record<string, string | boolean | string[] | undefined>, positionals: r.positionals };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The admin client for --bootstrap-server (and request.timeout.ms from --command-config). */
export function clientFor(values: Record<string, unknown>): AdminClient {
  const bootstrap = values['bootstrap-server'];
  if (typeof bootstrap !== 'string' || bootstrap === '') throw new UsageError('--bootstrap-server is required');
  let requestTimeoutMs = 30_000;
  const cfg = values['command-config'];
  if (typeof cfg === 'string') {
    let text: string;
    try { text = readFileSync(cfg, 'utf8'); } catch (e) { throw new UsageError(`cannot read --command-config ${cfg}: ${(e as Error).message}`); }
    for (const line of text.split('\n')) {
      const m = /^\s*request\.timeout\.ms\s*[=:]\s*(\d+)\s*$/.exec(line);
      if (m) requestTimeoutMs = Number(m[1]);
      if (/^\s*security\.protocol\s*[=:]\s*(?!PLAINTEXT\s*$)/i.test(line)) throw new UsageError(`${cfg}: only security.protocol=PLAINTEXT is supported by the rafka admin commands so far`);
    }
  }
  try { return new AdminClient({ bootstrap, requestTimeoutMs, clientId: 'rafka-admin' }); } catch (e) { throw new UsageError((e as Error).message); }
}

/** Runs a command body with the usage / unreachable / unexpected error handling every command shares. */
export async function runCommand(name: string, usage: string, io: Io, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof UsageError) { io.err(`rafka ${name}: ${e.message}\n\n${usage}`); return EXIT.USAGE; }
    if (e instanceof AdminClientError) { io.err(`rafka ${name}: ${e.message}\n`); return EXIT.UNREACHABLE; }
    io.err(`rafka ${name}: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.FAILED;
  }
}

export function str(v: unknown, flag: string, required = false): string | undefined {
  if (v === undefined) { if (required) throw new UsageError(`--${flag} is required`); return undefined; }
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${flag} needs a value`);
  return v;
}

export function int(v: unknown, flag: string): number | undefined {
  const s = str(v, flag);
  if (s === undefined) return undefined;
  if (!/^-?\d+$/.test(s)) throw new UsageError(`--${flag} must be an integer, got '${s}'`);
  return Number(s);
}

export function intList(v: unknown, flag: string): number[] | undefined {
  const s = str(v, flag);
  if (s === undefined) return undefined;
  const out = s.split(',').map((x) => x.trim());
  if (out.some((x) => !/^\d+$/.test(x))) throw new UsageError(`--${flag} must be a comma-separated list of broker ids, got '${s}'`);
  return out.map(Number);
}

/** A fixed-width table (header row first), as Kafka's tools print. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

export const readJsonFile = (file: string): unknown => {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) { throw new UsageError(`cannot read ${file}: ${(e as Error).message}`); }
  try { return JSON.parse(text); } catch (e) { throw new UsageError(`${file} is not valid JSON: ${(e as Error).message}`); }
};
