/**
 * A bound on the segments holding file descriptors (each: its `.log`, and its `.index` and `.timeindex` once
 * used). Kafka keeps them all open and asks for a large `ulimit -n`; 10,000 written partitions hold 30,000 fds.
 * Here the least recently used segments give theirs back ({@link LogSegment.releaseHandles}: indexes trimmed and
 * closed, `.log` closed) once more than {@link HandleLru.maxOpen} segments hold some; they reopen on next use.
 * A segment is never released while pinned (an async read or fsync in flight, a batch iteration holding its fd).
 * One instance per thread (recovery workers have their own).
 */

import fs from 'node:fs';

export interface HandleHolder {
  /** Close every handle; the holder reopens them on next use. */
  releaseHandles(): void;
  /** True while an operation holds one of its fds across other work. */
  readonly pinned: boolean;
}

export class HandleLru {
  /** Holders with open handles, least recently used first (Map keeps insertion order). */
  private readonly open = new Map<HandleHolder, true>();
  /** Releases done so far (tests, diagnostics). */
  releases = 0;

  constructor(public maxOpen: number) {}

  get size(): number {
    return this.open.size;
  }

  /** `h` was used: most recently used now (only if it holds handles). */
  touch(h: HandleHolder): void {
    if (this.open.delete(h)) this.open.set(h, true);
  }

  /** `h` opened a handle: track it and release others beyond the budget. */
  opened(h: HandleHolder): void {
    this.open.delete(h);
    this.open.set(h, true);
    if (this.open.size > this.maxOpen) this.evict(h);
  }

  /** `h` closed its handles itself. */
  closed(h: HandleHolder): void {
    this.open.delete(h);
  }

  private evict(except: HandleHolder): void {
    for (const h of this.open.keys()) {
      if (this.open.size <= this.maxOpen) return;
      if (h === except || h.pinned) continue;
      this.open.delete(h);
      this.releases++;
      h.releaseHandles();
    }
  }
}

/** The soft `RLIMIT_NOFILE` of this process (Linux /proc), or null. */
export function openFilesSoftLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (!m) return null;
    return m[1] === 'unlimited' ? null : Number(m[1]);
  } catch {
    return null;
  }
}

/**
 * Default budget: half the fd limit for log segments (sockets, ZooKeeper, checkpoints need the rest), at most
 * 4 fds per segment (`.log`, `.index`, `.timeindex`, `.txnindex`). `RAFKA_MAX_OPEN_SEGMENTS` overrides.
 */
export function defaultMaxOpenSegments(limit = openFilesSoftLimit()): number {
  const env = Number(process.env['RAFKA_MAX_OPEN_SEGMENTS']);
  if (Number.isInteger(env) && env > 0) return env;
  if (limit === null) return Number.MAX_SAFE_INTEGER;
  return Math.max(16, Math.floor(limit / 2 / 4));
}

/** The segments of this thread. */
export const segmentHandles = new HandleLru(defaultMaxOpenSegments());

/**
 * At most `limit` holders of an async slot at a time; the others wait in FIFO order. Segment fsyncs take one
 * before pinning their segment, so a burst of background flushes (every partition rolling at once) pins at most
 * `limit` segments' fds instead of all of them. The libuv pool runs 4 fsyncs at a time anyway.
 */
export class AsyncSlots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes on
    else this.active--;
  }
}

/** Concurrent segment fsyncs of this thread. */
export const flushSlots = new AsyncSlots(16);
