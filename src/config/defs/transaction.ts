import { define, NOT_IMPLEMENTED } from '../config-key.js';
import { atLeast, between } from '../validators.js';

const RO = 'read-only';
const CLUSTER = 'cluster-wide';

export const TRANSACTION_CONFIGS = [
  define('transactional.id.expiration.ms', 'int', 604800000, atLeast(1), 'high', RO,
    'How long a transactional id without updates is kept before it expires.'),
  define('transaction.max.timeout.ms', 'int', 900000, atLeast(1), 'high', RO,
    'Largest transaction timeout a producer may ask for.'),
  define('transaction.state.log.min.isr', 'int', 2, atLeast(1), 'high', RO,
    'min.insync.replicas of __transaction_state.'),
  define('transaction.state.log.load.buffer.size', 'int', 5242880, atLeast(1), 'high', RO,
    'Read batch size when loading transaction state (soft limit).'),
  define('transaction.state.log.replication.factor', 'int', 3, between(1, 32767), 'high', RO,
    'Replication factor of __transaction_state; its creation fails until enough brokers are alive.'),
  define('transaction.state.log.num.partitions', 'int', 50, atLeast(1), 'high', RO,
    'Partition count of __transaction_state; must not change after creation.'),
  define('transaction.state.log.segment.bytes', 'int', 104857600, atLeast(1), 'high', RO,
    'Segment size of __transaction_state.'),
  define('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'int', 10000, atLeast(1), 'low', RO,
    'How often timed-out transactions are rolled back.'),
  define('transaction.remove.expired.transaction.cleanup.interval.ms', 'int', 3600000, atLeast(1), 'low', RO,
    'How often expired transactional ids are removed.'),
  define('transaction.partition.verification.enable', 'boolean', true, undefined, 'low', CLUSTER,
    'Verify that a partition was added to the transaction before transactional records are written to it.'),
  define('producer.id.expiration.ms', 'int', 86400000, atLeast(1), 'low', CLUSTER,
    'How long a partition leader keeps producer id state after the producer\'s last write.'),
  define('producer.id.expiration.check.interval.ms', 'int', 600000, atLeast(1), 'low', RO,
    'How often expired producer ids are removed.', { internal: true }),
];
