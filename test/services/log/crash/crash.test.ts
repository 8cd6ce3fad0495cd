/**
 * Crash test: a child process appends with flush.messages=1 and prints every acknowledged offset; it is killed
 * with SIGKILL at random points (during recovery or appends) 24 times. After each kill the segment files are
 * checked with the INDEPENDENT decoder (framing + CRC-32C): every acknowledged offset is present with its value,
 * in a valid batch; the next child run recovers the log. Finally the whole log is loaded and read back, and each
 * segment is validated by kafka-python.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTmpDir, rmrf } from '../tmp.js';
import { decodeLog } from '../log-test-helpers.js';
import { pyDecode } from '../kafka-python.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../../..');
const ITERATIONS = 24;

let build = '';
let work = '';

beforeAll(async () => {
  build = await makeTmpDir('rafka-crash-build-');
  work = await makeTmpDir('rafka-crash-');
  symlinkSync(path.join(REPO, 'node_modules'), path.join(build, 'node_modules'));
  execFileSync(
    path.join(REPO, 'node_modules/.bin/tsc'),
    ['--ignoreConfig', '--outDir', build, '--rootDir', path.join(REPO, 'src'), '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--target', 'es2022', '--skipLibCheck', '--types', 'node', path.join(REPO, 'src/services/log/log.ts')],
    { cwd: REPO, stdio: 'pipe' },
  );
}, 60_000);

afterAll(async () => {
  await rmrf(build);
  await rmrf(work);
});

interface RunResult { acks: Array<[bigint, bigint]>; ready: bigint | null }

/** Kill `killAfterMs` after spawn (`fromReady` false: during startup/recovery too) or after the child said ready. */
function runAndKill(dir: string, seed: number, killAfterMs: number, fromReady: boolean): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(HERE, 'append-child.mjs'), path.join(build, 'services/log'), dir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const res: RunResult = { acks: [], ready: null };
    let buf = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        const [kind, a, b] = line.split(' ');
        if (kind === 'ready') {
          res.ready = BigInt(a!);
          if (fromReady) t = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        }
        else if (kind === 'ack') res.acks.push([BigInt(a!), BigInt(b!)]);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let t: NodeJS.Timeout | undefined = fromReady ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(t);
      if (signal !== 'SIGKILL') reject(new Error(`child exited ${code} ${signal}: ${stderr}`));
      else resolve(res);
    });
  });
}

/** offset → value, from the valid prefix of every segment, via the independent decoder. */
function scanDisk(dir: string): Map<bigint, string> {
  const out = new Map<bigint, string>();
  if (!existsSync(dir)) return out; // killed before the log was created
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.log')).sort()) {
    const bytes = readFileSync(path.join(dir, f));
    const { batches } = decodeLog(bytes);
    for (const b of batches) {
      if (!b.crcOk) break; // a torn/garbled tail: what follows is not trusted
      // uncompressed records: walk them to get each value (independent varint decoding)
      let p = b.position + 61;
      for (let i = 0; i < b.count; i++) {
        const [len, l1] = varint(bytes, p);
        let q = l1 + 1; // attributes
        q = varint(bytes, q)[1]; // timestamp delta
        const [delta, q2] = varint(bytes, q);
        const [klen, q3] = varint(bytes, q2);
        const q4 = q3 + Math.max(0, klen);
        const [vlen, q5] = varint(bytes, q4);
        out.set(b.baseOffset + BigInt(delta), bytes.toString('latin1', q5, q5 + vlen));
        p = l1 + len;
      }
    }
  }
  return out;
}

function varint(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = buf[pos++]!;
    v += (byte & 0x7f) * mul;
    if (!(byte & 0x80)) break;
    mul *= 128;
  }
  return [v % 2 === 0 ? v / 2 : -(v + 1) / 2, pos];
}

describe('crash safety with flush.messages=1', () => {
  it(`every acknowledged offset survives ${ITERATIONS} kill -9s at random points`, async () => {
    const dir = path.join(work, 'crash-0');
    const acked: Array<[bigint, bigint]> = [];
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let killedBeforeReady = 0;
    for (let it = 0; it < ITERATIONS; it++) {
      // one kill in four at a random time from spawn (often during startup/recovery), the others mid-appends
      const early = rnd() < 0.25;
      const r = await runAndKill(dir, it + 1, early ? Math.floor(rnd() * 300) : 5 + Math.floor(rnd() * 150), !early);
      if (r.ready === null) killedBeforeReady++;
      else {
        // everything acknowledged before this run was recovered
        const maxAcked = acked.length ? acked[acked.length - 1]![1] : -1n;
        expect(r.ready).toBeGreaterThan(maxAcked);
      }
      acked.push(...r.acks);
      const disk = scanDisk(dir);
      for (const [first, last] of r.acks) {
        for (let o = first; o <= last; o++) {
          const v = disk.get(o);
          expect(v, `acknowledged offset ${o} after kill ${it}`).toBeDefined();
          expect(v!.startsWith(`rec-${o}-`)).toBe(true);
        }
      }
    }
    expect(acked.length).toBeGreaterThan(ITERATIONS);
    // final check: load (recovering) and read everything back in the parent; kafka-python validates segments
    const { Log } = await import('../../../../src/services/log/log.js');
    const { DEFAULT_LOG_CONFIG } = await import('../../../../src/services/log/log-config.js');
    const { log } = Log.load({ dir, topic: 'crash', partition: 0, config: { ...DEFAULT_LOG_CONFIG, segmentBytes: 32 * 1024, maxIndexSize: 4096 }, hadCleanShutdown: false });
    const maxAcked = acked[acked.length - 1]![1];
    expect(log.logEndOffset).toBeGreaterThan(maxAcked);
    const disk = scanDisk(dir);
    for (let o = 0n; o < log.logEndOffset; o++) expect(disk.get(o)?.startsWith(`rec-${o}-`), `offset ${o}`).toBe(true);
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.log'))) {
      const dec = pyDecode(readFileSync(path.join(dir, f)));
      expect(dec.every((b) => b.crcOk)).toBe(true);
    }
    log.close();
    console.log(`crash test: ${ITERATIONS} kills (${killedBeforeReady} during recovery/startup), ${acked.length} acknowledged appends, LEO ${log.logEndOffset}, ${readdirSync(dir).filter((n) => n.endsWith('.log')).length} segments`);
  }, 80_000);
});
