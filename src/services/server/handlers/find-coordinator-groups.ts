/**
 * FindCoordinator (10) with the group coordinator: key type 0 (group) → the broker leading the group's
 * `__consumer_offsets` partition (this broker on a single-broker cluster), creating the topic on first use as Kafka
 * does; answered on the endpoint of the listener the request came in on. While the topic is being created or the
 * partition loaded → COORDINATOR_NOT_AVAILABLE (clients retry). Key type 1 (transaction) → the leader of the id's
 * `__transaction_state` partition, the same way (TransactionCoordinator, issue 13); another key type → INVALID_REQUEST. v4+: batched `coordinatorKeys`, one
 * entry per key with only the error code (no message), as Kafka.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode, errorInfo } from '../../../protocol/errors.js';
import type { GroupCoordinator } from '../../group/group-coordinator.js';
import type { TransactionCoordinator } from '../../transaction/transaction-coordinator.js';
import type { ApiHandler, HandlerContext } from './common.js';

const GROUP = 0;
const TRANSACTION = 1;
/** How long FindCoordinator waits for __consumer_offsets to be created / loaded before answering COORDINATOR_NOT_AVAILABLE. */
const FIND_WAIT_MS = 1000;

interface Answer { errorCode: number; nodeId: number; host: string; port: number }

const noNode = (errorCode: number): Answer => ({ errorCode, nodeId: -1, host: '', port: -1 });

export function findCoordinatorGroupsHandler(gc: GroupCoordinator, tc: TransactionCoordinator | null = null): ApiHandler<typeof ApiKey.FindCoordinator> {
  async function answer(keyType: number, key: string, hc: HandlerContext): Promise<Answer> {
    if (keyType === TRANSACTION && tc === null) return noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (keyType !== GROUP && keyType !== TRANSACTION) return noNode(ErrorCode.INVALID_REQUEST);
    const found = keyType === TRANSACTION ? await tc!.stateManager.findCoordinator(key, FIND_WAIT_MS) : await gc.findCoordinator(key, FIND_WAIT_MS);
    if (found.errorCode !== ErrorCode.NONE) return noNode(found.errorCode);
    const broker = hc.broker.metadata.brokers().find((b) => b.id === found.nodeId);
    const ep = broker?.endpoints.find((e) => e.listenerName === hc.conn.listenerName);
    if (!ep) return noNode(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return { errorCode: ErrorCode.NONE, nodeId: found.nodeId, host: ep.host ?? '', port: ep.port };
  }
  const message = (code: number) => (code === ErrorCode.NONE ? 'NONE' : errorInfo(code).message);
  return {
    apiKey: ApiKey.FindCoordinator,
    async handle(req, hc) {
      const { keyType, coordinatorKeys } = req.body;
      if (req.apiVersion >= 4) {
        const coordinators = await Promise.all(coordinatorKeys.map(async (key) => ({ key, ...(await answer(keyType, key, hc)), errorMessage: null })));
        return { throttleTimeMs: 0, coordinators };
      }
      const a = await answer(keyType, req.body.key, hc);
      return { throttleTimeMs: 0, ...a, errorMessage: message(a.errorCode) };
    },
    errorResponse(req, errorCode) {
      if (req.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: req.body.coordinatorKeys.map((key) => ({ key, ...noNode(errorCode), errorMessage: null })) };
      return { throttleTimeMs: 0, ...noNode(errorCode), errorMessage: message(errorCode) };
    },
  };
}
