/**
 * The wake-up half of Kafka's DelayedFetch purgatory: a long-polling Fetch (consumer or follower) that read less
 * than `min_bytes` waits here, watching its partitions, until one of them changes — a leader append (followers
 * read up to the log end offset), a high-watermark increase (consumers read up to it), leadership moving or the
 * partition going away — or its `max_wait_ms` ends, or its connection closes; the Fetch handler then reads again.
 *
 * Differs from Kafka: completion does not pre-compute the bytes available (Kafka's tryComplete sums them per
 * partition); the handler's re-read decides, and waits again with the time left when it is still short.
 */
export class DelayedFetchPurgatory {
  private readonly watchers = new Map<string, Set<() => void>>();

  /** Resolves when any of `keys` is woken, after `timeoutMs`, or when `signal` aborts. */
  watch(keys: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        for (const k of keys) {
          const s = this.watchers.get(k);
          if (!s) continue;
          s.delete(done);
          if (s.size === 0) this.watchers.delete(k);
        }
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      for (const k of keys) {
        let s = this.watchers.get(k);
        if (!s) this.watchers.set(k, (s = new Set()));
        s.add(done);
      }
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done);
    });
  }

  /** Kafka's checkAndComplete for a partition: every fetch watching it re-reads. */
  checkAndComplete(key: string): void {
    const s = this.watchers.get(key);
    if (!s) return;
    // no copy of the set (this runs on every leader append): a woken fetch deletes only itself, which a Set's
    // iteration allows, and re-watches only after its re-read (a later turn), so nothing is added meanwhile
    for (const w of s) w();
  }

  get size(): number {
    const all = new Set<() => void>();
    for (const s of this.watchers.values()) for (const w of s) all.add(w);
    return all.size;
  }
}
