/**
 * ControlledShutdown (7), a broker asking the controller to move its leaderships away before it stops
 * (KafkaApis.handleControlledShutdownRequest → KafkaController.controlledShutdown): answered with the partitions it
 * still leads, or NOT_CONTROLLER / STALE_BROKER_EPOCH / BROKER_NOT_AVAILABLE. v0/v1 carry no broker epoch (-1: never stale).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

export function controlledShutdownHandler(): ApiHandler<typeof ApiKey.ControlledShutdown> {
  return {
    apiKey: ApiKey.ControlledShutdown,
    async handle(req, hc) {
      const controller = hc.broker.controller;
      if (!controller) return { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] };
      const brokerEpoch = req.apiVersion >= 2 ? BigInt(req.body.brokerEpoch) : -1n;
      return controller.controlledShutdown(req.body.brokerId, brokerEpoch);
    },
    errorResponse(_req, errorCode) {
      return { errorCode, remainingPartitions: [] };
    },
  };
}
