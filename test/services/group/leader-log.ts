/**
 * A real Log as the PartitionLog a coordinator appends to and loads from, with the high watermark following every
 * append (a leader alone in its ISR). Shared by the __consumer_offsets tests over real segment files.
 */
import type { Log } from '../../../src/services/log/log.js';
import type { PartitionLog } from '../../../src/services/server/broker-context.js';

export function leaderLog(log: Log): PartitionLog {
  return {
    get config() { return log.config; },
    get logStartOffset() { return log.logStartOffset; },
    get logEndOffset() { return log.logEndOffset; },
    get highWatermark() { return log.highWatermark; },
    appendAsLeader: (records, epoch) => {
      const r = log.appendAsLeader(records, epoch);
      log.updateHighWatermark(log.logEndOffset);
      return { firstOffset: r.firstOffset, lastOffset: r.lastOffset, logAppendTime: -1, logStartOffset: log.logStartOffset, recordCount: 1 };
    },
    read: (start, max, opts) => log.read(start, max, opts),
    fetchOffsetByTimestamp: (ts) => log.fetchOffsetByTimestamp(ts),
    legacyFetchOffsetsBefore: (ts, max) => log.legacyFetchOffsetsBefore(ts, max),
  };
}
