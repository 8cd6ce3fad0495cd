/**
 * DescribeUserScramCredentials (50) and AlterUserScramCredentials (51), as Kafka's KafkaApis
 * handleDescribeUserScramCredentialsRequest / handleAlterUserScramCredentialsRequest on a ZooKeeper broker (the work is
 * services/security/user-scram-admin.ts, ZkAdminManager's). Alter on a broker that is not the active controller →
 * NOT_CONTROLLER for every user (Java's admin sends it to the controller). Authorization (DESCRIBE / ALTER on the
 * cluster, CLUSTER_AUTHORIZATION_FAILED) is request-authorizer.ts's. No store (handler tests) → UNKNOWN_SERVER_ERROR.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { alterUserScramCredentials, describeUserScramCredentials, type UserConfigStore } from '../../security/user-scram-admin.js';
import { desanitize, sanitize } from '../../security/credential-cache.js';
import { getEntityConfig } from '../../zookeeper/kafka-zk-client.js';
import { writeClientQuotaEntity } from '../../quota/client-quota-config.js';
import type { ZkSession } from '../../zookeeper/zk-session.js';
import type { ApiHandler } from './common.js';

/** /config/users through the ZooKeeper session (AdminZkClient.fetchEntityConfig / changeConfigs for ConfigType.User). */
export function zkUserConfigStore(zk: ZkSession): UserConfigStore {
  return {
    users: async () => (await zk.getChildren('/config/users').catch(() => [] as string[])).map(desanitize),
    read: (user) => getEntityConfig(zk, 'users', sanitize(user)),
    // the same write (whole config + /config/changes `users/<u>`) as a user quota entity
    write: (user, config) => writeClientQuotaEntity(zk, sanitize(user), null, config),
  };
}

export function describeUserScramCredentialsHandler(): ApiHandler<typeof ApiKey.DescribeUserScramCredentials> {
  return {
    apiKey: ApiKey.DescribeUserScramCredentials,
    async handle(req, { broker: ctx }) {
      if (!ctx.scramCredentialStore) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'SCRAM credentials are not available', results: [] };
      const users = req.body.users === null ? null : req.body.users.map((u) => u.name);
      return { throttleTimeMs: 0, ...await describeUserScramCredentials(zkUserConfigStore(ctx.scramCredentialStore()), users) };
    },
    errorResponse(req, errorCode, message) {
      // DescribeUserScramCredentialsRequest.getErrorResponse: one result per requested user, its name left empty
      return { throttleTimeMs: 0, errorCode, errorMessage: message, results: (req.body.users ?? []).map(() => ({ user: '', errorCode, errorMessage: message, credentialInfos: [] })) };
    },
  };
}

export function alterUserScramCredentialsHandler(): ApiHandler<typeof ApiKey.AlterUserScramCredentials> {
  const failAll = (req: { body: { upsertions: Array<{ name: string }>; deletions: Array<{ name: string }> } }, errorCode: number, errorMessage: string | null) =>
    [...new Set([...req.body.upsertions, ...req.body.deletions].map((x) => x.name))].sort().map((user) => ({ user, errorCode, errorMessage }));
  return {
    apiKey: ApiKey.AlterUserScramCredentials,
    async handle(req, { broker: ctx }) {
      if (ctx.metadata.controllerId() !== ctx.metadata.brokerId) return { throttleTimeMs: 0, results: failAll(req, ErrorCode.NOT_CONTROLLER, null) };
      if (!ctx.scramCredentialStore) return { throttleTimeMs: 0, results: failAll(req, ErrorCode.UNKNOWN_SERVER_ERROR, 'SCRAM credentials are not available') };
      return { throttleTimeMs: 0, results: await alterUserScramCredentials(zkUserConfigStore(ctx.scramCredentialStore()), req.body.upsertions, req.body.deletions) };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, results: failAll(req, errorCode, message) };
    },
  };
}
