/**
 * `rafka zk CONNECT[/chroot] [--json] [--check] [--timeout MS] [--stale-minutes N] [PATH-FILTER]`
 * Reads a Kafka ZooKeeper tree and shows it decoded. Read-only: never creates, changes or deletes a znode.
 *
 * Exit codes: 0 ok; 1 --check found problems; 2 usage error; 3 no tree could be read at CONNECT
 * (ZooKeeper unreachable within --timeout, the chroot does not exist, or the connection was lost).
 */
import { parseArgs } from 'node:util';
import { ZkSession } from '../services/zookeeper/zk-session.js';
import { parseZkConnect } from '../services/zookeeper/connect-string.js';
import { readCluster, filterSnapshot, type ClusterSnapshot } from '../tools/zk/read-cluster.js';
import { checkCluster, filterProblems, DEFAULT_STALE_MINUTES, type Problem } from '../tools/zk/check.js';
import { renderSnapshot, renderProblems } from '../tools/zk/render.js';

export const EXIT = { OK: 0, PROBLEMS: 1, USAGE: 2, UNREACHABLE: 3 } as const;
export const DEFAULT_TIMEOUT_MS = 10_000;

export const USAGE = `Usage: rafka zk CONNECT[/chroot] [options] [PATH-FILTER]

Reads a Kafka ZooKeeper tree (Kafka's or Rafka's) and shows it decoded: cluster id, brokers,
controller, topics and partition state, configs, pending notifications and deletions, /feature,
the producer id block and ACLs. Read-only: it never writes to ZooKeeper.

  CONNECT                  host:port[,host:port...][/chroot], as zookeeper.connect
  PATH-FILTER              show only znodes whose path starts with this prefix (e.g. /brokers/topics/orders)

Options:
      --json               print the snapshot as JSON (schema "${'rafka.zk.snapshot/1'}")
      --check              report inconsistencies, one line each: "<znode path>: <problem>"
      --stale-minutes N    with --check: notifications / deletions older than N minutes are stuck
                           (default ${DEFAULT_STALE_MINUTES})
      --timeout MS         give up connecting after MS milliseconds (default ${DEFAULT_TIMEOUT_MS})
  -h, --help               show this help

Exit codes: 0 ok, 1 --check found problems, 2 usage error,
            3 ZooKeeper unreachable / chroot missing / connection lost while reading.
`;

export interface ZkCommandOptions { connect: string; json: boolean; check: boolean; timeoutMs: number; staleMinutes: number; filter: string | null }

type Parsed = { kind: 'exit'; code: number } | { kind: 'run'; opts: ZkCommandOptions };

export function parseZkArgs(argv: string[], out: (s: string) => void, err: (s: string) => void): Parsed {
  const usage = (msg: string): Parsed => { err(`rafka zk: ${msg}\n\n${USAGE}`); return { kind: 'exit', code: EXIT.USAGE }; };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true,
      options: {
        json: { type: 'boolean' }, check: { type: 'boolean' }, timeout: { type: 'string' },
        'stale-minutes': { type: 'string' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) { return usage((e as Error).message); }
  const { values, positionals } = parsed;
  if (values.help) { out(USAGE); return { kind: 'exit', code: EXIT.OK }; }
  if (positionals.length < 1) return usage('missing CONNECT (host:port[/chroot])');
  if (positionals.length > 2) return usage(`too many arguments: ${positionals.slice(2).join(' ')}`);
  const [connect, filter = null] = positionals;
  try { parseZkConnect(connect); } catch (e) { return usage((e as Error).message); }
  if (filter !== null && !filter.startsWith('/')) return usage(`PATH-FILTER must be a znode path starting with '/', got '${filter}'`);
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout);
  if (!/^\d+$/.test(values.timeout ?? '0') || timeoutMs < 1) return usage(`--timeout must be a positive number of milliseconds, got '${values.timeout}'`);
  const staleMinutes = values['stale-minutes'] === undefined ? DEFAULT_STALE_MINUTES : Number(values['stale-minutes']);
  if (!/^\d+(\.\d+)?$/.test(values['stale-minutes'] ?? '0')) return usage(`--stale-minutes must be a non-negative number, got '${values['stale-minutes']}'`);
  return { kind: 'run', opts: { connect, json: values.json ?? false, check: values.check ?? false, timeoutMs, staleMinutes, filter } };
}

class Unreachable extends Error {}

/** Connects (bounded by timeoutMs), verifies the chroot, reads the tree; a lost connection aborts the read. */
export async function snapshotFromZooKeeper(connect: string, timeoutMs: number): Promise<ClusterSnapshot> {
  const { hosts, chroot } = parseZkConnect(connect);
  const zk = new ZkSession(connect, { sessionTimeoutMs: Math.max(timeoutMs, 6000), displayName: connect });
  try {
    try { await zk.connect(timeoutMs); } catch (e) {
      const m = (e as Error).message;
      throw new Unreachable(/^Timed out/.test(m)
        ? `cannot connect to ZooKeeper at ${hosts} within ${timeoutMs} ms (--timeout): is ZooKeeper running and reachable there?`
        : `cannot connect to ZooKeeper at ${hosts}: ${m}`);
    }
    let offLost: () => void = () => undefined;
    const lost = new Promise<never>((_, reject) => {
      offLost = zk.on((ev) => { if (ev !== 'connected') reject(new Unreachable(`lost the connection to ZooKeeper at ${hosts} while reading (${ev})`)); });
    });
    try {
      const read = async () => {
        if (chroot && !(await zk.exists('/'))) {
          throw new Unreachable(`chroot ${chroot} does not exist in ZooKeeper at ${hosts}: no Kafka cluster uses this path (check the /chroot part of CONNECT)`);
        }
        return readCluster(zk, { connect, chroot });
      };
      return await Promise.race([read(), lost]);
    } finally { offLost(); lost.catch(() => undefined); }
  } finally {
    closeHard(zk);
  }
}

/**
 * Closes the session; when not connected, also drops the socket. node-zookeeper-client's close()
 * only queues a CLOSE request, so against a hung server (TCP accepted, no answer) the socket —
 * and this process — would otherwise wait for the server forever.
 */
function closeHard(zk: ZkSession): void {
  const connected = zk.isConnected;
  zk.close();
  if (connected) return;
  const cm = (zk.client as unknown as { connectionManager?: { socket?: { destroy(): void } } }).connectionManager;
  cm?.socket?.destroy();
}

export async function run(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => { process.stdout.write(s); });
  const err = io.err ?? ((s: string) => { process.stderr.write(s); });
  if (!io.out) process.stdout.on('error', () => undefined); // `| head` closing the pipe is not our failure
  const parsed = parseZkArgs(argv, out, err);
  if (parsed.kind === 'exit') return parsed.code;
  const { opts } = parsed;
  let snapshot: ClusterSnapshot;
  try {
    snapshot = await snapshotFromZooKeeper(opts.connect, opts.timeoutMs);
  } catch (e) {
    if (e instanceof Unreachable) { err(`rafka zk: ${e.message}\n`); return EXIT.UNREACHABLE; }
    err(`rafka zk: reading ${opts.connect} failed: ${(e as Error).message}\n`);
    return EXIT.UNREACHABLE;
  }
  const problems: Problem[] | null = opts.check ? filterProblems(checkCluster(snapshot, { staleMinutes: opts.staleMinutes }), opts.filter) : null;
  const shown = filterSnapshot(snapshot, opts.filter);
  if (opts.json) out(`${JSON.stringify({ ...shown, problems }, null, 2)}\n`);
  else if (problems) {
    out(renderProblems(problems));
    err(problems.length === 0 ? `rafka zk: no problems found in ${opts.connect}\n` : `rafka zk: ${problems.length} problem${problems.length === 1 ? '' : 's'} found in ${opts.connect}\n`);
  } else out(renderSnapshot(shown));
  return problems && problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
}
