/**
 * UpdateMetadata (6), from the controller (KafkaApis.handleUpdateMetadataRequest): the live brokers and the
 * partition states this broker's MetadataCache serves to clients. Answer: one error code (STALE_BROKER_EPOCH for a
 * request meant for an earlier registration, NOT_CONTROLLER from an older controller epoch, as Kafka).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { updateMetadataFromWire } from '../../controller/control-requests.js';
import { handleUpdateMetadata } from '../control-requests.js';
import type { ApiHandler } from './common.js';

export function updateMetadataHandler(): ApiHandler<typeof ApiKey.UpdateMetadata> {
  return {
    apiKey: ApiKey.UpdateMetadata,
    async handle(req, hc) {
      const control = hc.broker.control;
      if (!control) throw new Error('this broker takes no controller requests');
      return handleUpdateMetadata(control, updateMetadataFromWire(req.body, req.apiVersion));
    },
    errorResponse(_req, errorCode) {
      return { errorCode };
    },
  };
}
