/**
 * DescribeLogDirs (35), as Kafka's KafkaApis.handleDescribeLogDirsRequest + ReplicaManager.describeLogDirs
 * (services/admin/describe-log-dirs.ts): topics null = every partition with a log here; v3+ carries a top-level
 * error code (NONE). A broker without logs (handler tests) answers no dirs.
 */
import { ApiKey } from '../../../protocol/api-keys.js';
import { ErrorCode } from '../../../protocol/errors.js';
import { describeLogDirs } from '../../admin/describe-log-dirs.js';
import type { ApiHandler } from './common.js';

export function describeLogDirsHandler(): ApiHandler<typeof ApiKey.DescribeLogDirs> {
  return {
    apiKey: ApiKey.DescribeLogDirs,
    async handle(req, { broker: ctx }) {
      const topics = req.body.topics;
      const wanted = topics === null ? null : new Set(topics.flatMap((t) => t.partitions.map((p) => `${t.topic}-${p}`)));
      const results = ctx.logDirs ? describeLogDirs(ctx.logDirs, wanted) : [];
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results };
    },
    errorResponse(_req, errorCode) {
      return { throttleTimeMs: 0, errorCode, results: [] };
    },
  };
}
