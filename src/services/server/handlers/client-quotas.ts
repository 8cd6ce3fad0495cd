/**
 * DescribeClientQuotas (48) and AlterClientQuotas (49), as Kafka's `KafkaApis.handleDescribeClientQuotasRequest` /
 * `handleAlterClientQuotasRequest` on a ZooKeeper broker (ZkAdminManager; the work is in services/quota/
 * client-quota-admin.ts). No authorizer: every principal may (Kafka asks DESCRIBE_CONFIGS / ALTER_CONFIGS on the
 * cluster). Describe: a bad filter → INVALID_REQUEST / UNSUPPORTED_VERSION with Kafka's message, entries null;
 * Alter: one error per entry (INVALID_REQUEST for an unknown key, a non-integer byte rate, a bad entity).
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { alterClientQuotaEntity, describeClientQuotas, InvalidRequestError, UnsupportedVersionError } from '../../quota/client-quota-admin.js';
import { errorMessageOf, type ApiHandler } from './common.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;

function errorCodeOf(e: unknown): number {
  if (e instanceof InvalidRequestError) return ErrorCode.INVALID_REQUEST;
  if (e instanceof UnsupportedVersionError) return ErrorCode.UNSUPPORTED_VERSION;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

export function describeClientQuotasHandler(): ApiHandler<typeof ApiKey.DescribeClientQuotas> {
  return {
    apiKey: ApiKey.DescribeClientQuotas,
    async handle(req, { broker: ctx }) {
      if (!ctx.clientQuotaStore) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: 'client quotas are not available', entries: null };
      try {
        const components = req.body.components.map((c) => ({
          entityType: c.entityType,
          match: c.matchType === MATCH_EXACT ? c.match : c.matchType === MATCH_DEFAULT ? null : undefined,
        }));
        for (const c of req.body.components) {
          if (c.matchType === MATCH_EXACT && c.match === null) throw new InvalidRequestError(`Request specified MATCH_TYPE_EXACT, but set match string to null`);
          if (c.matchType > 2 || c.matchType < 0) throw new InvalidRequestError(`Unexpected match type: ${c.matchType}`);
        }
        const found = await describeClientQuotas(ctx.clientQuotaStore(), components, req.body.strict);
        return {
          throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null,
          entries: found.map((f) => ({ entity: f.entity, values: Object.entries(f.values).map(([key, value]) => ({ key, value })) })),
        };
      } catch (e) {
        return { throttleTimeMs: 0, errorCode: errorCodeOf(e), errorMessage: errorMessageOf(e), entries: null };
      }
    },
    errorResponse(_req, errorCode, message) {
      return { throttleTimeMs: 0, errorCode, errorMessage: message, entries: null };
    },
  };
}

export function alterClientQuotasHandler(): ApiHandler<typeof ApiKey.AlterClientQuotas> {
  return {
    apiKey: ApiKey.AlterClientQuotas,
    async handle(req, { broker: ctx }) {
      const entries = [];
      for (const entry of req.body.entries) {
        let errorCode: number = ErrorCode.NONE;
        let errorMessage: string | null = null;
        try {
          if (!ctx.clientQuotaStore) throw new Error('client quotas are not available');
          await alterClientQuotaEntity(ctx.clientQuotaStore(), entry.entity, entry.ops, req.body.validateOnly);
        } catch (e) {
          errorCode = errorCodeOf(e);
          errorMessage = errorMessageOf(e);
          if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.log.error({ err: e }, `Error encountered while updating client quotas: ${errorMessage}`);
        }
        entries.push({ errorCode, errorMessage, entity: entry.entity });
      }
      return { throttleTimeMs: 0, entries };
    },
    errorResponse(req, errorCode, message) {
      return { throttleTimeMs: 0, entries: req.body.entries.map((e) => ({ errorCode, errorMessage: message, entity: e.entity })) };
    },
  };
}
