/**
 * Rate-limited warnings for hostile or broken clients (issue 16, "Hostile traffic"). Kafka logs one line per
 * failed connection (Selector / SocketServer.Processor "Closing socket for ... because of error"); 20,000 bad frames
 * then wrote 4.5 MB of log, and a log flood is itself a denial of service. Kafka has no equivalent class: this is
 * Rafka's own, in front of the socket server's per-connection warnings.
 *
 * Per (cause, client address) key: the first `burst` (5) warnings of an interval are logged as they come; the rest are
 * counted, and when the interval ends one summary line gives the count ("suppressed N more warnings ..."). The cause
 * is the message with its numbers blanked (`causeOf`), so "request of 104857601 bytes ..." and "request of 2147483647
 * bytes ..." are one cause. Keys are bounded (`maxKeys`): past it, new addresses share the key "*" (a client spraying
 * from many addresses cannot grow the map). Nothing is allocated per suppressed warning but the counter update.
 */
import type { Logger } from '../../logger.js';

export interface WarningLimiterOptions {
  /** Length of one interval, ms (a summary per key per interval at most). */
  intervalMs?: number;
  /** Warnings per key logged in full per interval (default 5: a few distinct failures in a row stay visible). */
  burst?: number;
  /** Distinct (cause, client) keys tracked at once; later ones share client "*". */
  maxKeys?: number;
  now?: () => number;
}

interface Entry { cause: string; client: string; windowStart: number; logged: number; suppressed: number; lastMessage: string }

/** The stable part of a warning: digits blanked, so sizes, ports and ids do not make new causes. */
export function causeOf(message: string): string {
  return message.replace(/\d+/g, 'N');
}

export class WarningLimiter {
  private readonly entries = new Map<string, Entry>();
  private timer: NodeJS.Timeout | null = null;
  readonly intervalMs: number;
  private readonly burst: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  /** Warnings not logged in full since start (a counter a test or a metric can read). */
  suppressedTotal = 0;

  constructor(private readonly log: Logger, opts: WarningLimiterOptions = {}) {
    this.intervalMs = opts.intervalMs ?? 5000;
    this.burst = opts.burst ?? 5;
    this.maxKeys = opts.maxKeys ?? 1024;
    this.now = opts.now ?? Date.now;
  }

  /** Logs `message` at warn with `fields` unless (cause, client) already used its burst this interval. */
  warn(client: string, fields: Record<string, unknown>, message: string, cause = causeOf(message)): void {
    let key = `${cause}\u0000${client}`;
    let entry = this.entries.get(key);
    if (!entry && this.entries.size >= this.maxKeys) {
      client = '*';
      key = `${cause}\u0000*`;
      entry = this.entries.get(key);
    }
    const now = this.now();
    if (!entry) {
      entry = { cause, client, windowStart: now, logged: 0, suppressed: 0, lastMessage: message };
      this.entries.set(key, entry);
      this.arm();
    } else if (now - entry.windowStart >= this.intervalMs) {
      this.summarise(entry);
      entry.windowStart = now;
      entry.logged = 0;
    }
    if (entry.logged < this.burst) {
      entry.logged++;
      this.log.warn(fields, message);
      return;
    }
    entry.suppressed++;
    entry.lastMessage = message;
    this.suppressedTotal++;
  }

  /** Ends every interval that is over: a summary line for each key with suppressed warnings; idle keys dropped. */
  flush(force = false): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (!force && now - entry.windowStart < this.intervalMs) continue;
      if (entry.suppressed === 0) { this.entries.delete(key); continue; }
      this.summarise(entry);
      entry.windowStart = now;
      entry.logged = this.burst; // still noisy: the next interval again reports by summary only
    }
    if (this.entries.size === 0) this.disarm();
  }

  get trackedKeys(): number { return this.entries.size; }

  close(): void {
    this.flush(true);
    this.disarm();
    this.entries.clear();
  }

  private summarise(entry: Entry): void {
    if (entry.suppressed === 0) return;
    this.log.warn({ client: entry.client, cause: entry.cause, suppressed: entry.suppressed, intervalMs: this.intervalMs, last: entry.lastMessage },
      `Suppressed ${entry.suppressed} more warning(s) from ${entry.client} in the last ${Math.round(this.intervalMs / 1000)} s: ${entry.cause}`);
    entry.suppressed = 0;
  }

  private arm(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
