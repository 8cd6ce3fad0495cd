/**
 * A Jepsen-style history checker for fault tests against real brokers (issue 11).
 *
 * Writers: `NumberedProducer` — an idempotent kafkajs producer that sends numbered records `<id>:<seq>` (key `<id>`)
 * to one partition in small batches, one batch in flight, and records which sequence numbers were acknowledged,
 * which failed (indeterminate: may or may not be in the log) and the errors seen.
 *
 * Readers: `HwObserver` — a read_uncommitted consumer (kcat, no group) that polls a partition up to the high
 * watermark during the run and keeps every (offset → value) it was ever given and the order of its polls.
 *
 * Checks (after the faults, the cluster healed): `checkHistory()` reads the final log of each partition and finds
 *   - lost:        acknowledged records not in the final log;
 *   - duplicated:  a record present more than once;
 *   - reordered:   a producer's records out of sequence order in the log;
 *   - inconsistent offsets: an offset that some read (an observer or the final read) saw with two different values;
 *   - non-monotonic polls: an observer given an offset lower than one it already had (without a reset);
 *   - vanished:    a record an observer read (below the high watermark) that is not in the final log.
 * and `report()` prints the counts (sent, acknowledged, failed, lost, duplicated, faults).
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../integration/support.js';
import { RAFKA_BIN } from './broker-process.js';

export interface LogRecord {
  offset: number;
  key: string;
  value: string;
}

const SEND_DEADLINE_MS = 20_000;

export class NumberedProducer {
  readonly acked = new Set<number>();
  readonly failed = new Set<number>();
  readonly errors = new Map<string, number>();
  /** Acknowledged sequence numbers with the offset the broker gave them. */
  readonly ackedOffsets = new Map<number, number>();
  sent = 0;
  private next = 0;
  private running = false;
  private loop: Promise<void> | null = null;
  private producer: Producer;
  private readonly kafka: Kafka;
  private waiters: Array<() => void> = [];
  /** Producer sessions used (a failed send starts a new one, see run()). */
  sessions = 1;
  /** Where the next broker list handed to kafkajs starts (see the constructor). */
  private seedRotation = 0;

  constructor(
    readonly id: string,
    readonly topic: string,
    readonly partition: number,
    bootstrap: string[],
    private readonly opts: { batch?: number; acks?: -1 | 1; idempotent?: boolean; timeoutMs?: number; ratePerSec?: number } = {},
  ) {
    this.kafka = new Kafka({
      clientId: `checker-${id}`,
      // A new producer's seed broker is list[0] of its first getBrokers() (kafkajs counts from 0 per producer): with
      // a fixed list every renewed producer seeded on the first broker, and when that one was SIGSTOPped each
      // connect hung past its deadline — producer w1 acknowledged nothing for 90 s (test:replication:full, cycle 2).
      // A rotated list per call makes each new producer start at another broker.
      brokers: () => { const k = this.seedRotation++ % bootstrap.length; return [...bootstrap.slice(k), ...bootstrap.slice(0, k)]; },
      logLevel: logLevel.NOTHING,
      retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 },
      connectionTimeout: 3000,
      requestTimeout: 10_000,
    });
    this.producer = this.newProducer();
  }

  private newProducer(): Producer {
    return this.kafka.producer({ idempotent: this.opts.idempotent ?? true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /**
   * After a send that kafkajs gave up on, a new producer (new producer id): kafkajs would reuse the failed batch's
   * sequence numbers for the next records, and a broker that did append the failed batch would then answer the new
   * records as duplicates of the old ones — a client artefact the checker would count as lost records.
   */
  private async renew(): Promise<void> {
    const old = this.producer;
    // Disconnecting from a frozen broker can hang too: do not wait for it.
    void old.disconnect().catch(() => undefined);
    this.producer = this.newProducer();
    this.sessions++;
    // kafkajs refreshes metadata through the seed broker it connected to first; when that one is frozen
    // (SIGSTOP) every refresh hangs. A connect that does not finish in time is abandoned for a new producer,
    // which picks its seed broker anew.
    while (this.running) {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          this.producer.connect(),
          new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('connect deadline')), 15_000); }),
        ]).finally(() => clearTimeout(timer));
        return;
      } catch {
        void this.producer.disconnect().catch(() => undefined);
        this.producer = this.newProducer();
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  get ackedCount(): number {
    return this.acked.size;
  }

  async start(): Promise<void> {
    await this.producer.connect();
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    const batch = this.opts.batch ?? 10;
    const gapMs = this.opts.ratePerSec ? (1000 * batch) / this.opts.ratePerSec : 0;
    while (this.running) {
      const t0 = Date.now();
      const seqs = Array.from({ length: batch }, () => this.next++);
      this.sent += seqs.length;
      try {
        const sending = this.producer.send({
          topic: this.topic,
          acks: this.opts.acks ?? -1,
          timeout: this.opts.timeoutMs ?? 10_000,
          messages: seqs.map((s) => ({ key: this.id, value: `${this.id}:${s}`, partition: this.partition })),
        });
        // kafkajs can wait forever on a request to a frozen (SIGSTOPped) broker whose socket stays open: a send
        // that takes longer than SEND_DEADLINE_MS is given up (indeterminate) and a new producer takes over.
        let timer: NodeJS.Timeout | undefined;
        const res = await Promise.race([
          sending,
          new Promise<never>((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error('send deadline'), { type: 'SEND_DEADLINE' })), SEND_DEADLINE_MS); }),
        ]).finally(() => clearTimeout(timer));
        const base = Number(res[0]?.baseOffset ?? -1);
        seqs.forEach((s, i) => {
          this.acked.add(s);
          if (base >= 0) this.ackedOffsets.set(s, base + i);
        });
      } catch (e) {
        for (const s of seqs) this.failed.add(s);
        const name = (e as { type?: string; name?: string }).type ?? (e as Error).name ?? 'Error';
        this.errors.set(name, (this.errors.get(name) ?? 0) + 1);
        // kafkajs gave up after its retries: back off a little so a leaderless partition is not hammered.
        await new Promise((r) => setTimeout(r, 200));
        if (this.opts.idempotent ?? true) await this.renew();
      }
      for (const w of this.waiters.splice(0)) w();
      if (gapMs > 0) {
        const wait = gapMs - (Date.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  /** Resolves once `n` more records than now are acknowledged; rejects after timeoutMs. */
  async waitForProgress(n: number, timeoutMs = 30_000, what = ''): Promise<void> {
    const target = this.acked.size + n;
    const deadline = Date.now() + timeoutMs;
    while (this.acked.size < target) {
      if (!this.running) throw new Error(`producer ${this.id} stopped`);
      if (Date.now() > deadline) {
        throw new Error(`producer ${this.id}: ${this.acked.size}/${target} acknowledged after ${timeoutMs} ms ${what} (errors: ${JSON.stringify(Object.fromEntries(this.errors))})`);
      }
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    await Promise.race([this.producer.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 10_000))]);
  }
}

/**
 * A read_uncommitted consumer that polls one partition during the run: each poll is a kcat that fetches from the
 * next offset up to the end (the high watermark) and exits — no consumer group, so no rebalance ever resets it.
 * Brokers hand consumers records only below the high watermark, so everything it sees must survive.
 */
export class HwObserver {
  /** offset → value, every record ever seen. */
  readonly seen = new Map<number, string>();
  readonly inconsistent: Array<{ offset: number; a: string; b: string }> = [];
  readonly backwards: Array<{ after: number; got: number }> = [];
  readonly pollErrors = new Map<string, number>();
  polls = 0;
  private next = 0;
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(readonly topic: string, readonly partition: number, private readonly bootstrap: string, private readonly intervalMs = 300) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const t0 = Date.now();
      await this.pollOnce();
      const wait = this.intervalMs - (Date.now() - t0);
      if (wait > 0 && this.running) await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** One poll: everything from the next offset to the end of the partition. */
  async pollOnce(): Promise<void> {
    const r = await runCommand('kcat', ['-b', this.bootstrap, '-C', '-t', this.topic, '-p', String(this.partition), '-o', String(this.next), '-e', '-q',
      '-X', 'isolation.level=read_uncommitted', '-X', 'topic.auto.offset.reset=error', '-f', '%o %s\n'], undefined, 20_000);
    this.polls++;
    if (r.code !== 0) {
      const why = /offset out of range/i.test(r.stderr) ? 'offset out of range' : (r.stderr.trim().split('\n').at(-1) ?? `exit ${r.code}`).slice(0, 120);
      this.pollErrors.set(why, (this.pollErrors.get(why) ?? 0) + 1);
    }
    this.ingest(r.stdout);
  }

  /**
   * Takes kcat's `%o %s` lines. Only complete lines count: a kcat killed by its timeout mid-write leaves a cut
   * last line ("12" of "1234 w0:1234"), which must not read as a record.
   */
  ingest(stdout: string): void {
    const end = stdout.lastIndexOf('\n');
    for (const line of stdout.slice(0, end + 1).split('\n')) {
      const m = /^(\d+) (.*)$/.exec(line);
      if (m === null) continue;
      const off = Number(m[1]);
      const v = m[2]!;
      if (off < this.next) this.backwards.push({ after: this.next - 1, got: off });
      const prev = this.seen.get(off);
      if (prev !== undefined && prev !== v) this.inconsistent.push({ offset: off, a: prev, b: v });
      this.seen.set(off, v);
      this.next = Math.max(this.next, off + 1);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Every record of a partition, read by kcat from the beginning to the end (the high watermark). */
export async function readPartition(bootstrap: string, topic: string, partition: number): Promise<LogRecord[]> {
  const r = await runCommand('kcat', ['-b', bootstrap, '-C', '-t', topic, '-p', String(partition), '-o', 'beginning', '-e', '-q',
    '-X', 'isolation.level=read_uncommitted', '-f', '%o %k %s\n'], undefined, 120_000);
  if (r.code !== 0) throw new Error(`kcat could not read ${topic}-${partition}: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [o, k, v] = l.split(' ');
      return { offset: Number(o), key: k!, value: v! };
    });
}

export interface CheckResult {
  sent: number;
  acknowledged: number;
  failed: number;
  lost: string[];
  duplicated: string[];
  reordered: string[];
  inconsistentOffsets: string[];
  backwardsPolls: number;
  vanished: string[];
  faults: number;
  /** Acknowledged offsets whose final value differs (the broker's answer was not what stayed at that offset). */
  ackOffsetMismatch: string[];
}

/** Compares the producers' and observers' histories with the final log of each partition. */
export function checkHistory(input: {
  producers: NumberedProducer[];
  finalLogs: Map<number, LogRecord[]>;
  observers?: HwObserver[];
  faults: number;
}): CheckResult {
  const res: CheckResult = {
    sent: 0,
    acknowledged: 0,
    failed: 0,
    lost: [],
    duplicated: [],
    reordered: [],
    inconsistentOffsets: [],
    backwardsPolls: 0,
    vanished: [],
    faults: input.faults,
    ackOffsetMismatch: [],
  };
  const count = new Map<string, number>();
  const byOffset = new Map<number, Map<number, string>>();
  for (const [p, recs] of input.finalLogs) {
    const m = new Map<number, string>();
    byOffset.set(p, m);
    for (const r of recs) {
      count.set(r.value, (count.get(r.value) ?? 0) + 1);
      m.set(r.offset, r.value);
    }
  }
  for (const [v, n] of count) if (n > 1) res.duplicated.push(`${v} ×${n}`);
  for (const pr of input.producers) {
    res.sent += pr.sent;
    res.acknowledged += pr.acked.size;
    res.failed += pr.failed.size;
    for (const s of pr.acked) if (!count.has(`${pr.id}:${s}`)) res.lost.push(`${pr.id}:${s}`);
    const log = input.finalLogs.get(pr.partition) ?? [];
    let prev = -1;
    for (const r of log) {
      if (r.key !== pr.id) continue;
      const s = Number(r.value.split(':')[1]);
      // Order is promised for acknowledged records only: a send given up on (indeterminate) may still be retried
      // by the abandoned client session and land later, as Jepsen treats an indeterminate write.
      if (!pr.acked.has(s)) continue;
      if (s <= prev) res.reordered.push(`${r.value} at offset ${r.offset} after seq ${prev}`);
      prev = Math.max(prev, s);
    }
    const finalAt = byOffset.get(pr.partition) ?? new Map<number, string>();
    for (const [s, off] of pr.ackedOffsets) {
      const v = finalAt.get(off);
      if (v !== `${pr.id}:${s}`) res.ackOffsetMismatch.push(`${pr.id}:${s} acknowledged at offset ${off}, final log has ${v ?? 'nothing'} there`);
    }
  }
  for (const o of input.observers ?? []) {
    res.backwardsPolls += o.backwards.length;
    for (const x of o.inconsistent) res.inconsistentOffsets.push(`${o.topic}-${o.partition}@${x.offset}: ${x.a} vs ${x.b}`);
    const finalAt = byOffset.get(o.partition) ?? new Map<number, string>();
    for (const [off, v] of o.seen) {
      const f = finalAt.get(off);
      if (f === undefined) res.vanished.push(`${o.topic}-${o.partition}@${off}=${v} (gone)`);
      else if (f !== v) res.inconsistentOffsets.push(`${o.topic}-${o.partition}@${off}: observed ${v}, final ${f}`);
    }
  }
  return res;
}

export function formatReport(r: CheckResult): string {
  return (
    `sent=${r.sent} acknowledged=${r.acknowledged} failed(indeterminate)=${r.failed} lost=${r.lost.length} duplicated=${r.duplicated.length} ` +
    `reordered=${r.reordered.length} inconsistent-offsets=${r.inconsistentOffsets.length} backwards-polls=${r.backwardsPolls} ` +
    `vanished=${r.vanished.length} ack-offset-mismatch=${r.ackOffsetMismatch.length} faults=${r.faults}` +
    (r.lost.length ? `\n  lost (first 10): ${r.lost.slice(0, 10).join(', ')}` : '') +
    (r.duplicated.length ? `\n  duplicated (first 10): ${r.duplicated.slice(0, 10).join(', ')}` : '') +
    (r.reordered.length ? `\n  reordered (first 10): ${r.reordered.slice(0, 10).join(', ')}` : '') +
    (r.inconsistentOffsets.length ? `\n  inconsistent (first 10): ${r.inconsistentOffsets.slice(0, 10).join(', ')}` : '') +
    (r.vanished.length ? `\n  vanished (first 10): ${r.vanished.slice(0, 10).join(', ')}` : '') +
    (r.ackOffsetMismatch.length ? `\n  ack/offset (first 10): ${r.ackOffsetMismatch.slice(0, 10).join(', ')}` : '')
  );
}

/** True when the history shows no anomaly. */
export function historyOk(r: CheckResult): boolean {
  return (
    r.lost.length === 0 &&
    r.duplicated.length === 0 &&
    r.reordered.length === 0 &&
    r.inconsistentOffsets.length === 0 &&
    r.backwardsPolls === 0 &&
    r.vanished.length === 0 &&
    r.ackOffsetMismatch.length === 0
  );
}

export interface BatchSummary {
  baseOffset: number;
  lastOffset: number;
  epoch: number;
  crc: number;
}

/**
 * The batches of one replica's partition dir, from `rafka dump-log --json` (every .log segment in order).
 * Resolves to [] when the replica has no dir (yet).
 */
export async function replicaBatches(logDir: string, topic: string, partition: number): Promise<BatchSummary[]> {
  const dir = join(logDir, `${topic}-${partition}`);
  if (!existsSync(dir)) return [];
  const r = await runCommand(process.execPath, [RAFKA_BIN, 'dump-log', '--json', dir], undefined, 120_000);
  // Exit 1 = problems found (e.g. a segment being written right now ends mid-batch); the JSON is still there.
  if (r.code !== 0 && r.code !== 1) throw new Error(`dump-log ${dir} failed (${r.code}): ${r.stderr}`);
  const doc = JSON.parse(r.stdout) as { files: Array<{ file: string; type: string; entries: Array<Record<string, unknown>> }> };
  const out: BatchSummary[] = [];
  for (const f of doc.files) {
    if (!f.file.endsWith('.log')) continue;
    for (const e of f.entries) {
      if (typeof e.baseOffset !== 'number') continue;
      out.push({ baseOffset: e.baseOffset, lastOffset: e.lastOffset as number, epoch: e.partitionLeaderEpoch as number, crc: e.crc as number });
    }
  }
  return out;
}

/** Differences between replicas' batch lists (offset, leader epoch, CRC), each against the first replica given. */
export function compareReplicas(replicas: Map<number, BatchSummary[]>): string[] {
  const entries = [...replicas];
  if (entries.length < 2) return [];
  const [refId, ref] = entries[0]!;
  const diffs: string[] = [];
  for (const [id, bs] of entries.slice(1)) {
    const n = Math.max(ref.length, bs.length);
    for (let i = 0; i < n; i++) {
      const a = ref[i];
      const b = bs[i];
      const fmt = (x: BatchSummary | undefined) => (x ? `${x.baseOffset}..${x.lastOffset} epoch ${x.epoch} crc ${x.crc}` : 'nothing');
      if (!a || !b || a.baseOffset !== b.baseOffset || a.lastOffset !== b.lastOffset || a.epoch !== b.epoch || a.crc !== b.crc) {
        diffs.push(`batch #${i}: broker ${refId} has ${fmt(a)}, broker ${id} has ${fmt(b)}`);
        break;
      }
    }
  }
  return diffs;
}
