/**
 * FindCoordinator (10): there is no group or transaction coordinator yet, so every key is answered
 * COORDINATOR_NOT_AVAILABLE with no node (Kafka's answer while the coordinator topic is not ready; clients
 * retry). Advertising the API also lets librdkafka enable its group-coordinator and LZ4 features. An unknown key
 * type → INVALID_REQUEST. Unlike Kafka, the internal topic (__consumer_offsets / __transaction_state) is not
 * auto-created here: that belongs to the coordinators when they exist.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode, errorInfo } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

const GROUP = 0;
const TRANSACTION = 1;

export function findCoordinatorHandler(): ApiHandler<typeof ApiKey.FindCoordinator> {
  const answer = (keyType: number, override?: number) => {
    const errorCode = override ?? (keyType === GROUP || keyType === TRANSACTION ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.INVALID_REQUEST);
    return { errorCode, errorMessage: errorInfo(errorCode).message, nodeId: -1, host: '', port: -1 };
  };
  return {
    apiKey: ApiKey.FindCoordinator,
    async handle(req) {
      const { keyType, coordinatorKeys } = req.body;
      if (req.apiVersion >= 4) {
        // v4+: Kafka sets only the error code per key
        return { throttleTimeMs: 0, coordinators: coordinatorKeys.map((k) => ({ key: k, ...answer(keyType), errorMessage: null })) };
      }
      return { throttleTimeMs: 0, ...answer(keyType) };
    },
    errorResponse(req, errorCode) {
      if (req.apiVersion >= 4) {
        return { throttleTimeMs: 0, coordinators: req.body.coordinatorKeys.map((k) => ({ key: k, ...answer(req.body.keyType, errorCode) })) };
      }
      return { throttleTimeMs: 0, ...answer(req.body.keyType, errorCode) };
    },
  };
}
