/**
 * InitProducerId (22), as Kafka's `KafkaApis.handleInitProducerIdRequest` + `TransactionCoordinator
 * .handleInitProducerId` for what a broker without a transaction coordinator can answer:
 * - producer id / epoch (v3+) must be both set or both -1 → else INVALID_REQUEST;
 * - no transactional id (idempotent producer) → a new producer id from the {@link ProducerIdManager}, epoch 0 (an
 *   epoch bump request from a KIP-360 client also gets a new id, as Kafka does without a transactional id); when no
 *   id block can be claimed from ZooKeeper → COORDINATOR_LOAD_IN_PROGRESS (what Kafka's newer manager answers while
 *   it has no block; every client retries it);
 * - an empty transactional id → INVALID_REQUEST; a timeout ≤ 0 or above `transaction.max.timeout.ms` →
 *   INVALID_TRANSACTION_TIMEOUT (checked before the coordinator, as Kafka);
 * - any other transactional id → the TransactionCoordinator (epoch bump, fencing of an older producer, KIP-360
 *   bumps with the producer id/epoch of v3+; transaction-coordinator.ts); PRODUCER_FENCED is answered as
 *   INVALID_PRODUCER_EPOCH below v4, as Kafka. Without a coordinator (tests) → COORDINATOR_NOT_AVAILABLE.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ProducerIdManager } from '../../transaction/producer-id-manager.js';
import type { TransactionCoordinator } from '../../transaction/transaction-coordinator.js';
import { adminTimeoutMs, withTimeout, type ApiHandler } from './common.js';

const NO_PRODUCER_ID = -1n;
const NO_PRODUCER_EPOCH = -1;

const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH });

export function initProducerIdHandler(producerIds: ProducerIdManager | null, txns: TransactionCoordinator | null = null): ApiHandler<typeof ApiKey.InitProducerId> {
  return {
    apiKey: ApiKey.InitProducerId,
    async handle(req, { broker: ctx }) {
      const { transactionalId, transactionTimeoutMs, producerId, producerEpoch } = req.body;
      if ((producerId === NO_PRODUCER_ID) !== (producerEpoch === NO_PRODUCER_EPOCH)) return failed(ErrorCode.INVALID_REQUEST);
      if (transactionalId === null) {
        if (producerIds === null) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        try {
          const id = await withTimeout(producerIds.generateProducerId(), adminTimeoutMs(ctx), 'Claiming a producer id block');
          return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: id, producerEpoch: 0 };
        } catch (e) {
          ctx.log.warn({ err: e }, 'Failed to acquire a new block of producerIds');
          return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
        }
      }
      if (transactionalId === '') return failed(ErrorCode.INVALID_REQUEST);
      if (transactionTimeoutMs <= 0 || transactionTimeoutMs > ctx.config().getInt('transaction.max.timeout.ms')) {
        return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
      }
      if (txns === null) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const expected = producerId === NO_PRODUCER_ID ? null : { producerId, producerEpoch };
      const r = await txns.handleInitProducerId(transactionalId, transactionTimeoutMs, expected);
      const errorCode = req.apiVersion < 4 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
      return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
    },
    errorResponse(_req, errorCode) {
      return failed(errorCode);
    },
  };
}
