import { define, LONG_MAX, NOT_IMPLEMENTED } from '../config-key.js';
import { atLeast, between } from '../validators.js';

const RO = 'read-only';
const CLUSTER = 'cluster-wide';

export const LOG_CLEANER_CONFIGS = [
  define('log.cleaner.threads', 'int', 1, atLeast(0), 'medium', CLUSTER,
    'Background threads compacting logs.'),
  define('log.cleaner.io.max.bytes.per.second', 'double', Number.MAX_VALUE, undefined, 'medium', CLUSTER,
    'Throttle on the cleaner\'s combined read and write I/O.'),
  define('log.cleaner.dedupe.buffer.size', 'long', 134217728, undefined, 'medium', CLUSTER,
    'Memory for the deduplication map, shared by all cleaner threads; at least 1 MiB per thread.'),
  define('log.cleaner.io.buffer.size', 'int', 524288, atLeast(0), 'medium', CLUSTER,
    'Memory for the cleaner\'s I/O buffers, shared by all cleaner threads.', NOT_IMPLEMENTED),
  define('log.cleaner.io.buffer.load.factor', 'double', 0.9, undefined, 'medium', CLUSTER,
    'Load factor of the deduplication map; higher cleans more per pass but collides more.'),
  define('log.cleaner.backoff.ms', 'long', 15000, atLeast(0), 'medium', CLUSTER,
    'Sleep when no log needs cleaning.'),
  define('log.cleaner.min.cleanable.ratio', 'double', 0.5, between(0, 1), 'medium', CLUSTER,
    'Minimum dirty/total ratio before a log is eligible for cleaning.'),
  define('log.cleaner.enable', 'boolean', true, undefined, 'medium', RO,
    'Run the log cleaner; needed by compacted topics such as __consumer_offsets.'),
  define('log.cleaner.delete.retention.ms', 'long', 86400000, atLeast(0), 'medium', CLUSTER,
    'How long tombstones are kept in compacted topics.'),
  define('log.cleaner.min.compaction.lag.ms', 'long', 0, atLeast(0), 'medium', CLUSTER,
    'Minimum age of a record before it may be compacted.'),
  define('log.cleaner.max.compaction.lag.ms', 'long', LONG_MAX, atLeast(1), 'medium', CLUSTER,
    'Maximum time a record may stay ineligible for compaction.'),
];
