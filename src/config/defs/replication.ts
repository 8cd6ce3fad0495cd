import { define, NOT_IMPLEMENTED } from '../config-key.js';
import { atLeast, validString, type Validator } from '../validators.js';
import { ConfigException } from '../config-exception.js';

/** The ReplicaSelector Kafka ships (KIP-392), the only `replica.selector.class` Rafka has. */
export const RACK_AWARE_REPLICA_SELECTOR = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
/** Kafka fails at startup on a selector class it cannot load. */
const replicaSelectorClass: Validator = {
  ensureValid(name, value) {
    if (value !== null && value !== undefined && value !== '' && value !== RACK_AWARE_REPLICA_SELECTOR) {
      throw new ConfigException(name, value, `Class ${String(value)} cannot be found (Rafka has ${RACK_AWARE_REPLICA_SELECTOR})`);
    }
  },
  toString: () => `null, ${RACK_AWARE_REPLICA_SELECTOR}`,
};

const RO = 'read-only';
const CLUSTER = 'cluster-wide';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'];

export const REPLICATION_CONFIGS = [
  define('controller.socket.timeout.ms', 'int', 30000, undefined, 'medium', RO,
    'Socket timeout of controller-to-broker channels.'),
  define('default.replication.factor', 'int', 1, undefined, 'medium', RO,
    'Replication factor of auto-created topics.'),
  define('replica.lag.time.max.ms', 'long', 30000, undefined, 'high', RO,
    'A follower that has not caught up with the leader for this long is removed from the ISR.'),
  define('replica.socket.timeout.ms', 'int', 30000, undefined, 'high', RO,
    'Socket timeout of replica fetch requests; at least replica.fetch.wait.max.ms.'),
  define('replica.socket.receive.buffer.bytes', 'int', 65536, undefined, 'high', RO,
    'Socket receive buffer of replica fetchers.', NOT_IMPLEMENTED),
  define('replica.fetch.max.bytes', 'int', 1048576, atLeast(0), 'medium', RO,
    'Bytes fetched per partition by a replica fetcher (a larger first batch is still returned).'),
  define('replica.fetch.wait.max.ms', 'int', 500, undefined, 'high', RO,
    'Maximum wait of a follower fetch; at most replica.lag.time.max.ms.'),
  define('replica.fetch.backoff.ms', 'int', 1000, atLeast(0), 'medium', RO,
    'Sleep after a partition fetch error.'),
  define('replica.fetch.min.bytes', 'int', 1, undefined, 'high', RO,
    'Minimum bytes a follower fetch waits for.'),
  define('replica.fetch.response.max.bytes', 'int', 10485760, atLeast(0), 'medium', RO,
    'Maximum bytes of a whole replica fetch response.'),
  define('num.replica.fetchers', 'int', 1, undefined, 'high', CLUSTER,
    'Fetcher threads per source broker.'),
  define('replica.high.watermark.checkpoint.interval.ms', 'long', 5000, undefined, 'high', RO,
    'How often high watermarks are saved to disk.'),
  define('fetch.purgatory.purge.interval.requests', 'int', 1000, undefined, 'medium', RO,
    'Purge interval (in requests) of the fetch purgatory.', NOT_IMPLEMENTED),
  define('producer.purgatory.purge.interval.requests', 'int', 1000, undefined, 'medium', RO,
    'Purge interval (in requests) of the produce purgatory.', NOT_IMPLEMENTED),
  define('delete.records.purgatory.purge.interval.requests', 'int', 1, undefined, 'medium', RO,
    'Purge interval (in requests) of the delete-records purgatory.', NOT_IMPLEMENTED),
  define('auto.leader.rebalance.enable', 'boolean', true, undefined, 'high', RO,
    'Let the controller move leadership back to preferred replicas periodically.'),
  define('leader.imbalance.per.broker.percentage', 'int', 10, undefined, 'high', RO,
    'Leader imbalance per broker (percent) that triggers a rebalance.'),
  define('leader.imbalance.check.interval.seconds', 'long', 300, atLeast(1), 'high', RO,
    'How often the controller checks leader imbalance.'),
  define('unclean.leader.election.enable', 'boolean', false, undefined, 'high', CLUSTER,
    'Allow an out-of-sync replica to become leader as a last resort, at the risk of data loss.'),
  define('security.inter.broker.protocol', 'string', 'PLAINTEXT', validString(...SECURITY_PROTOCOLS), 'medium', RO,
    'Security protocol between brokers; set this or inter.broker.listener.name, not both.'),
  define('inter.broker.listener.name', 'string', null, undefined, 'medium', RO,
    'Listener used between brokers. Unset means the listener named after security.inter.broker.protocol.'),
  define('replica.selector.class', 'string', null, replicaSelectorClass, 'medium', RO,
    'ReplicaSelector for fetch-from-follower (KIP-392): org.apache.kafka.common.replica.RackAwareReplicaSelector; unset means leader only.'),
];
