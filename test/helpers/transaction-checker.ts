/**
 * A checker for transactional workloads in the spirit of Jepsen's Kafka queue workload (its Redpanda 21.10.1
 * analysis): from the history of the transactions (what each read and wrote, and how it ended as the client saw it)
 * and the reads of the log afterwards, count
 * - lost: a write of a transaction the client saw committed missing from the committed read (when the history
 *   records which partitions the client's send() confirmed, only confirmed writes: kafkajs 2.2.4 can resolve send()
 *   without having written a partition — such a missing write is the client's, counted apart as `unconfirmedMissing`);
 * - nonAtomic: a transaction partly in the committed read — some of its writes there, others (confirmed) missing:
 *   half committed, half aborted, whatever the client saw (notes-V's coordinator bug: the new coordinator's load
 *   missed a partition, aborted the rest, and the producer's next commit closed the forgotten one). Before, such a
 *   transaction with an unknown outcome showed as `lost` writes; now its missing writes count here, not as lost
 *   (nothing was acknowledged), while a transaction the client saw committed counts in both;
 * - duplicates: a value present more than once in the committed read;
 * - abortedReads: a value of an aborted transaction read — in the committed read or by any transaction;
 * - inconsistentOffsets: one partition offset with two values across the reads (and deliveries);
 * - nonMonotonicSends: a producer's committed writes to a partition not in increasing offsets in send order;
 * - nonMonotonicPolls: a reader's deliveries of a partition going backwards (a reader that rewinds legitimately,
 *   after a rebalance or a restart, marks the point with `rewind`);
 * - g1c: write-read cycles between committed transactions (Adya's G1c with wr edges only: T1 →wr T2 when T2 read a
 *   value T1 wrote). Under read_committed a transaction reads only values committed before its read, and its own
 *   reads come before its commit, so any such cycle is an isolation violation. Cycles that need ww edges (the log
 *   order of two transactions' writes to one partition) are not counted: Kafka's transactions interleave their
 *   writes in a partition and commit in any order, so ww edges may legitimately point against the commit order —
 *   one of the "write-isolation surprises of Kafka's transaction model" Jepsen discussed.
 * A transaction whose outcome the client could not tell (`unknown`) is taken as committed when any of its writes is
 * in the committed read, else as aborted (its writes then must all be absent: else it is non-atomic).
 */

export type TxnOutcome = 'committed' | 'aborted' | 'unknown';
export interface TxnRecord { id: string; producer: string; writes: Array<{ value: string; partition: number }>; reads: string[]; outcome: TxnOutcome;
  /** Partitions the client's send() result listed with errorCode 0 (absent: not recorded). */
  confirmed?: number[] }
export interface ReadRecord { partition: number; offset: bigint; value: string }
export interface Delivery extends ReadRecord { reader: string; rewind?: boolean }

export interface CheckCounts {
  lost: number; nonAtomic: number; duplicates: number; abortedReads: number; inconsistentOffsets: number;
  nonMonotonicSends: number; nonMonotonicPolls: number; g1c: number;
}

export interface CheckResult {
  counts: CheckCounts; committedTxns: number; abortedTxns: number; wrEdges: number; examples: string[];
  /** Writes of committed transactions missing from the committed read whose partition send() did not confirm (client-side loss). */
  unconfirmedMissing: number;
}

/** Strongly connected components with more than one transaction (Tarjan, iterative): each is one or more wr cycles. */
function cycles(nodes: string[], edges: Map<string, Set<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  for (const root of nodes) {
    if (idx.has(root)) continue;
    const work: Array<{ v: string; it: Iterator<string> }> = [];
    const visit = (v: string) => {
      idx.set(v, index); low.set(v, index); index++;
      stack.push(v); onStack.add(v);
      work.push({ v, it: (edges.get(v) ?? new Set<string>()).values() });
    };
    visit(root);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const n = top.it.next();
      if (!n.done) {
        const w = n.value;
        if (!idx.has(w)) visit(w);
        else if (onStack.has(w)) low.set(top.v, Math.min(low.get(top.v)!, idx.get(w)!));
        continue;
      }
      work.pop();
      if (work.length > 0) { const p = work[work.length - 1]!.v; low.set(p, Math.min(low.get(p)!, low.get(top.v)!)); }
      if (low.get(top.v) === idx.get(top.v)) {
        const scc: string[] = [];
        for (;;) { const w = stack.pop()!; onStack.delete(w); scc.push(w); if (w === top.v) break; }
        if (scc.length > 1) out.push(scc);
      }
    }
  }
  return out;
}

export function checkTransactions(txns: readonly TxnRecord[], committedRead: readonly ReadRecord[], otherReads: ReadonlyArray<readonly ReadRecord[]>, deliveries: readonly Delivery[]): CheckResult {
  const examples: string[] = [];
  const note = (s: string) => { if (examples.length < 10) examples.push(s); };
  const inCommitted = new Map<string, number>();
  for (const r of committedRead) inCommitted.set(r.value, (inCommitted.get(r.value) ?? 0) + 1);
  const writer = new Map<string, TxnRecord>();
  for (const t of txns) for (const w of t.writes) writer.set(w.value, t);
  const outcome = (t: TxnRecord): 'committed' | 'aborted' => t.outcome !== 'unknown' ? t.outcome : t.writes.some((w) => inCommitted.has(w.value)) ? 'committed' : 'aborted';

  let lost = 0;
  let nonAtomic = 0;
  let unconfirmedMissing = 0;
  let abortedReads = 0;
  for (const t of txns) {
    const present = t.writes.filter((w) => inCommitted.has(w.value)).length;
    let missing = 0;
    for (const w of t.writes) {
      if (inCommitted.has(w.value)) continue;
      if (outcome(t) !== 'committed') { missing++; continue; }
      if (t.confirmed !== undefined && !t.confirmed.includes(w.partition)) { unconfirmedMissing++; note(`missing unconfirmed ${w.value} of ${t.id} (send() did not confirm partition ${w.partition})`); continue; }
      missing++;
      if (t.outcome === 'committed') { lost++; note(`lost ${w.value} of ${t.id}`); }
    }
    if (present > 0 && missing > 0) { nonAtomic++; note(`non-atomic ${t.id} (${t.outcome}): ${present} of its writes committed, ${missing} not`); }
  }
  const duplicates = [...inCommitted].filter(([v, n]) => { if (n > 1) note(`duplicate ${v} ×${n}`); return n > 1; }).length;
  for (const r of committedRead) {
    const t = writer.get(r.value);
    if (t && outcome(t) === 'aborted') { abortedReads++; note(`committed read of aborted ${r.value} (${t.id})`); }
  }
  for (const t of txns) {
    for (const v of t.reads) {
      const w = writer.get(v);
      if (w && outcome(w) === 'aborted') { abortedReads++; note(`${t.id} read aborted ${v} (${w.id})`); }
    }
  }

  const byPos = new Map<string, string>();
  let inconsistentOffsets = 0;
  for (const read of [committedRead, ...otherReads, deliveries]) {
    for (const r of read) {
      const k = `${r.partition}:${r.offset}`;
      const v = byPos.get(k);
      if (v === undefined) byPos.set(k, r.value);
      else if (v !== r.value) { inconsistentOffsets++; note(`offset ${k}: ${v} and ${r.value}`); }
    }
  }

  // sends: per producer and partition, committed writes in send order must have increasing offsets
  const offsetOf = new Map(committedRead.map((r) => [r.value, r.offset]));
  let nonMonotonicSends = 0;
  const lastSent = new Map<string, bigint>();
  for (const t of txns) {
    if (outcome(t) !== 'committed') continue;
    for (const w of t.writes) {
      const o = offsetOf.get(w.value);
      if (o === undefined) continue;
      const k = `${t.producer}/${w.partition}`;
      if ((lastSent.get(k) ?? -1n) >= o) { nonMonotonicSends++; note(`send ${w.value} of ${t.producer} at ${w.partition}:${o} after a later offset`); }
      lastSent.set(k, o);
    }
  }
  let nonMonotonicPolls = 0;
  const lastPolled = new Map<string, bigint>();
  for (const d of deliveries) {
    const k = `${d.reader}/${d.partition}`;
    if (!d.rewind && (lastPolled.get(k) ?? -1n) >= d.offset) { nonMonotonicPolls++; note(`${d.reader} polled ${d.partition}:${d.offset} after a later offset`); }
    lastPolled.set(k, d.offset);
  }

  // G1c: wr edges between committed transactions
  const committedTxns = txns.filter((t) => outcome(t) === 'committed');
  const edges = new Map<string, Set<string>>();
  let wrEdges = 0;
  for (const t of committedTxns) {
    for (const v of t.reads) {
      const w = writer.get(v);
      if (!w || w === t || outcome(w) !== 'committed') continue;
      let s = edges.get(w.id);
      if (!s) edges.set(w.id, (s = new Set()));
      if (!s.has(t.id)) { s.add(t.id); wrEdges++; }
    }
  }
  const found = cycles(committedTxns.map((t) => t.id), edges);
  for (const c of found) note(`wr cycle among ${c.join(', ')}`);

  return {
    counts: { lost, nonAtomic, duplicates, abortedReads, inconsistentOffsets, nonMonotonicSends, nonMonotonicPolls, g1c: found.length },
    committedTxns: committedTxns.length, abortedTxns: txns.length - committedTxns.length, wrEdges, examples, unconfirmedMissing,
  };
}
