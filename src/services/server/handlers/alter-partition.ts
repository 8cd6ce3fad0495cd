/**
 * AlterPartition (56), a partition leader's ISR change (KafkaApis.handleAlterPartitionRequest in ZooKeeper mode):
 * handed to the controller (KafkaController.alterPartitions); a broker that is not the active controller answers
 * NOT_CONTROLLER and the leader's AlterPartitionManager finds the controller again.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

export function alterPartitionHandler(): ApiHandler<typeof ApiKey.AlterPartition> {
  return {
    apiKey: ApiKey.AlterPartition,
    async handle(req, hc) {
      const controller = hc.broker.controller;
      if (!controller) return { throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] };
      return controller.alterPartition(req.body, req.apiVersion);
    },
    errorResponse(_req, errorCode) {
      return { throttleTimeMs: 0, errorCode, topics: [] };
    },
  };
}
