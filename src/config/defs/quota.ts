import { define, NOT_IMPLEMENTED } from '../config-key.js';
import { atLeast } from '../validators.js';

const RO = 'read-only';
const CLUSTER = 'cluster-wide';

export const QUOTA_CONFIGS = [
  define('quota.window.num', 'int', 11, atLeast(1), 'low', RO,
    'Samples kept in memory for client quotas.'),
  define('replication.quota.window.num', 'int', 11, atLeast(1), 'low', RO,
    'Samples kept in memory for replication quotas.', NOT_IMPLEMENTED),
  define('alter.log.dirs.replication.quota.window.num', 'int', 11, atLeast(1), 'low', RO,
    'Samples kept in memory for log-dir move quotas.', NOT_IMPLEMENTED),
  define('controller.quota.window.num', 'int', 11, atLeast(1), 'low', RO,
    'Samples kept in memory for controller mutation quotas.', NOT_IMPLEMENTED),
  define('quota.window.size.seconds', 'int', 1, atLeast(1), 'low', RO,
    'Time span of one client quota sample.'),
  define('replication.quota.window.size.seconds', 'int', 1, atLeast(1), 'low', RO,
    'Time span of one replication quota sample.', NOT_IMPLEMENTED),
  define('alter.log.dirs.replication.quota.window.size.seconds', 'int', 1, atLeast(1), 'low', RO,
    'Time span of one log-dir move quota sample.', NOT_IMPLEMENTED),
  define('controller.quota.window.size.seconds', 'int', 1, atLeast(1), 'low', RO,
    'Time span of one controller mutation quota sample.', NOT_IMPLEMENTED),
  define('client.quota.callback.class', 'class', null, undefined, 'low', RO,
    'Custom client quota callback; unset means the built-in ZooKeeper-stored quotas.', NOT_IMPLEMENTED),
];

/** Tiered storage switches the ZooKeeper broker reads at startup; Rafka keeps tiered storage off. */
export const REMOTE_LOG_CONFIGS = [
  define('remote.log.storage.system.enable', 'boolean', false, undefined, 'medium', RO,
    'Enable tiered storage. Rafka has no remote storage: must stay false.'),
  define('log.local.retention.ms', 'long', -2, atLeast(-2), 'medium', CLUSTER,
    'Local retention of tiered topics; -2 means log.retention.ms.', NOT_IMPLEMENTED),
  define('log.local.retention.bytes', 'long', -2, atLeast(-2), 'medium', CLUSTER,
    'Local size limit of tiered topics; -2 means log.retention.bytes.', NOT_IMPLEMENTED),
];
