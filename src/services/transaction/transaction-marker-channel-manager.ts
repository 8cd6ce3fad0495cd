/**
 * Kafka's `TransactionMarkerChannelManager` + `TransactionMarkerRequestCompletionHandler`: after a transaction's
 * PrepareCommit/PrepareAbort is written, its markers go to the current leader of every partition in it — over the
 * inter-broker listener as a WriteTxnMarkers request (one connection per broker, one request in flight), or, for
 * partitions this broker leads, in-process through the same writer the request handler uses (txn-marker-writer.ts).
 *
 * Per partition answer, as Kafka's completion handler: NONE → done; NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION,
 * NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT, KAFKA_STORAGE_ERROR, a failed connection → retried
 * (after `retryBackoffMs`, the leader looked up again); a partition whose topic was deleted is dropped;
 * UNSUPPORTED_FOR_MESSAGE_FORMAT / UNSUPPORTED_VERSION → dropped (no marker possible); INVALID_PRODUCER_EPOCH /
 * TRANSACTION_COORDINATOR_FENCED → sending stops (this coordinator is out of date). Sending also stops when this
 * broker no longer owns the transactional id with the same coordinator epoch. When every partition is done,
 * `onComplete` writes CompleteCommit/CompleteAbort.
 */
import type { Logger } from '../../logger.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import { BrokerBlockingSender } from '../replication/broker-blocking-sender.js';
import type { BrokerContext } from '../server/broker-context.js';
import type { TxnMarkerEntry, TxnMarkerResult } from './txn-marker-writer.js';

export interface PendingMarkers {
  transactionalId: string;
  producerId: bigint;
  producerEpoch: number;
  commit: boolean;
  coordinatorEpoch: number;
  /** "topic-partition" → [topic, partition] still to write */
  partitions: Map<string, [string, number]>;
}

export type MarkerOutcome = 'done' | 'stopped';

const RETRIABLE = new Set<number>([
  ErrorCode.NOT_LEADER_OR_FOLLOWER, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, ErrorCode.REQUEST_TIMED_OUT, ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.UNKNOWN_SERVER_ERROR,
]);
const FENCED = new Set<number>([ErrorCode.INVALID_PRODUCER_EPOCH, ErrorCode.TRANSACTION_COORDINATOR_FENCED]);

export interface MarkerChannelOptions {
  /** This broker's writer (txn-marker-writer.ts bound to its context). */
  writeLocal: (markers: TxnMarkerEntry[]) => Promise<TxnMarkerResult[]>;
  /** Whether the coordinator still owns the transaction with this epoch. */
  stillOwner: (transactionalId: string, coordinatorEpoch: number) => boolean;
  retryBackoffMs?: number;
  log: Logger;
}

export class TransactionMarkerChannelManager {
  private readonly senders = new Map<number, { sender: BrokerBlockingSender; chain: Promise<unknown>; host: string; port: number }>();
  private stopped = false;
  /** Transactions whose markers are being sent, by transactional id. */
  readonly inFlight = new Map<string, PendingMarkers>();

  constructor(private readonly ctx: BrokerContext, private readonly opts: MarkerChannelOptions) {}

  /** Sends the markers until every partition has one (→ 'done') or sending must stop (→ 'stopped'). */
  async sendMarkers(p: PendingMarkers): Promise<MarkerOutcome> {
    this.inFlight.set(p.transactionalId, p);
    try {
      while (p.partitions.size > 0) {
        if (this.stopped || !this.opts.stillOwner(p.transactionalId, p.coordinatorEpoch)) return 'stopped';
        const byBroker = new Map<number, Array<[string, number]>>();
        for (const [k, [topic, partition]] of p.partitions) {
          const t = this.ctx.metadata.topic(topic);
          if (!t) { p.partitions.delete(k); continue; } // the topic was deleted: no marker needed
          const leader = t.partitions.find((x) => x.partition === partition)?.leader ?? -1;
          if (leader < 0) continue;
          let l = byBroker.get(leader);
          if (!l) byBroker.set(leader, (l = []));
          l.push([topic, partition]);
        }
        let fenced = false;
        await Promise.all([...byBroker].map(async ([broker, parts]) => {
          const byTopic = new Map<string, number[]>();
          for (const [t, q] of parts) { let l = byTopic.get(t); if (!l) byTopic.set(t, (l = [])); l.push(q); }
          const entry: TxnMarkerEntry = {
            producerId: p.producerId, producerEpoch: p.producerEpoch, transactionResult: p.commit, coordinatorEpoch: p.coordinatorEpoch,
            topics: [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
          };
          let results: TxnMarkerResult[];
          try {
            results = broker === this.ctx.metadata.brokerId ? await this.opts.writeLocal([entry]) : await this.sendRemote(broker, [entry]);
          } catch (e) {
            this.opts.log.debug({ err: e, broker }, `Sending transaction markers to broker ${broker} failed; will retry`);
            return;
          }
          for (const t of results[0]?.topics ?? []) {
            for (const r of t.partitions) {
              const k = `${t.name}-${r.partitionIndex}`;
              if (r.errorCode === ErrorCode.NONE) p.partitions.delete(k);
              else if (FENCED.has(r.errorCode)) fenced = true;
              else if (r.errorCode === ErrorCode.UNSUPPORTED_FOR_MESSAGE_FORMAT || r.errorCode === ErrorCode.UNSUPPORTED_VERSION) p.partitions.delete(k);
              else if (!RETRIABLE.has(r.errorCode)) {
                this.opts.log.warn({ transactionalId: p.transactionalId, partition: k, errorCode: r.errorCode }, `Unexpected error writing a transaction marker to ${k}; will retry`);
              }
            }
          }
        }));
        if (fenced) {
          this.opts.log.info({ transactionalId: p.transactionalId }, `Stopped sending transaction markers for ${p.transactionalId}: the producer epoch or coordinator epoch was fenced`);
          return 'stopped';
        }
        if (p.partitions.size > 0) await new Promise((r) => setTimeout(r, this.opts.retryBackoffMs ?? 100));
      }
      return 'done';
    } finally {
      if (this.inFlight.get(p.transactionalId) === p) this.inFlight.delete(p.transactionalId);
    }
  }

  private sendRemote(brokerId: number, markers: TxnMarkerEntry[]): Promise<TxnMarkerResult[]> {
    const listener = this.ctx.config().interBrokerListenerName;
    const ep = this.ctx.metadata.brokers().find((b) => b.id === brokerId)?.endpoints.find((e) => e.listenerName === listener);
    if (!ep) return Promise.reject(new Error(`no ${listener} endpoint for broker ${brokerId}`));
    const host = ep.host || 'localhost';
    let s = this.senders.get(brokerId);
    if (s && (s.host !== host || s.port !== ep.port)) { s.sender.close(); s = undefined; }
    if (!s) {
      const c = this.ctx.config();
      s = {
        sender: new BrokerBlockingSender({ brokerId, host, port: ep.port }, { clientId: `broker-${this.ctx.metadata.brokerId}-txn-marker-sender`, socketTimeoutMs: c.getInt('request.timeout.ms'), requestTimeoutMs: c.getInt('request.timeout.ms') }),
        chain: Promise.resolve(), host, port: ep.port,
      };
      this.senders.set(brokerId, s);
    }
    const sender = s.sender;
    // one request in flight per broker
    const run = s.chain.then(() => sender.sendRequest(ApiKey.WriteTxnMarkers, 1, { markers }));
    s.chain = run.catch(() => {});
    return run.then((r) => r.markers);
  }

  shutdown(): void {
    this.stopped = true;
    for (const s of this.senders.values()) s.sender.close();
    this.senders.clear();
  }
}
