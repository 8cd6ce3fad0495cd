/**
 * ApiVersions (18): the API keys and version ranges this broker handles, no supported/finalized features (a
 * ZooKeeper-mode broker with no feature znode content: epoch -1, empty lists), throttle 0. As Kafka, a v3+
 * request whose client software name or version does not match Kafka's pattern gets INVALID_REQUEST (and
 * librdkafka retries with v0).
 */
import { ApiKey, apiVersionsEntries, type ApiSupport } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import type { ApiHandler } from './common.js';

/** ApiVersionsRequest.isValid: [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? */
const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export function apiVersionsHandler(support: ApiSupport): ApiHandler<typeof ApiKey.ApiVersions> {
  const apiKeys = apiVersionsEntries(support);
  return {
    apiKey: ApiKey.ApiVersions,
    async handle(req) {
      if (req.apiVersion >= 3) {
        const { clientSoftwareName: name, clientSoftwareVersion: version } = req.body;
        if (!SOFTWARE_PATTERN.test(name) || !SOFTWARE_PATTERN.test(version)) {
          return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys: [], throttleTimeMs: 0 };
        }
      }
      return {
        errorCode: ErrorCode.NONE,
        apiKeys,
        throttleTimeMs: 0,
        supportedFeatures: [],
        finalizedFeaturesEpoch: -1n,
        finalizedFeatures: [],
        zkMigrationReady: false,
      };
    },
    errorResponse(_req, errorCode) {
      return { errorCode, apiKeys: [], throttleTimeMs: 0 };
    },
  };
}
