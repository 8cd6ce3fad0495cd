import { define, NO_DEFAULT } from '../config-key.js';
import { atLeast, nonEmptyString } from '../validators.js';

const RO = 'read-only';

export const ZOOKEEPER_CONFIGS = [
  define('zookeeper.connect', 'string', NO_DEFAULT, nonEmptyString, 'high', RO,
    'ZooKeeper connection string, host1:port1,host2:port2[/chroot]. An optional chroot path puts all of the ' +
    'cluster\'s znodes under that path; the broker creates it when missing.'),
  define('zookeeper.session.timeout.ms', 'int', 18000, undefined, 'high', RO,
    'ZooKeeper session timeout in milliseconds.'),
  define('zookeeper.connection.timeout.ms', 'int', null, undefined, 'high', RO,
    'How long the broker waits to establish a ZooKeeper connection. Unset means zookeeper.session.timeout.ms.'),
  define('zookeeper.set.acl', 'boolean', false, undefined, 'high', RO,
    'Create znodes with secure ACLs (requires an authenticated ZooKeeper session).'),
  define('zookeeper.max.in.flight.requests', 'int', 10, atLeast(1), 'high', RO,
    'Maximum number of unacknowledged ZooKeeper requests before the client blocks.'),
  define('zookeeper.ssl.client.enable', 'boolean', false, undefined, 'medium', RO,
    'Use TLS for the ZooKeeper connection.'),
  define('zookeeper.metadata.migration.enable', 'boolean', false, undefined, 'high', RO,
    'Enable ZooKeeper to KRaft migration. Not supported by Rafka: must stay false.'),
];
