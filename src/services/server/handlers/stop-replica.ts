/**
 * StopReplica (5), from the controller (KafkaApis.handleStopReplicaRequest): stop hosting the listed partitions
 * and, where asked, delete their logs (topic deletion). Answer: an error code and one entry per partition; a
 * request for an earlier registration of this broker gets STALE_BROKER_EPOCH and no partitions, as Kafka.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { stopReplicaFromWire } from '../../controller/control-requests.js';
import { handleStopReplica } from '../control-requests.js';
import type { ApiHandler } from './common.js';

export function stopReplicaHandler(): ApiHandler<typeof ApiKey.StopReplica> {
  return {
    apiKey: ApiKey.StopReplica,
    async handle(req, hc) {
      const control = hc.broker.control;
      if (!control) throw new Error('this broker takes no controller requests');
      const r = handleStopReplica(control, stopReplicaFromWire(req.body, req.apiVersion));
      return { errorCode: r.errorCode, partitionErrors: r.partitionErrors.map((e) => ({ topicName: e.topicName, partitionIndex: e.partitionIndex, errorCode: e.errorCode })) };
    },
    errorResponse(req, errorCode) {
      return { errorCode, partitionErrors: stopReplicaFromWire(req.body, req.apiVersion).partitions.map((p) => ({ topicName: p.topicName, partitionIndex: p.partitionIndex, errorCode })) };
    },
  };
}
