import { define, NO_DEFAULT, NOT_IMPLEMENTED } from '../config-key.js';
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
    'Create znodes with Kafka\'s secure ACLs: all rights for the creating login, world-readable except /config/users, ' +
    '/config/brokers and /delegation_token. Needs the ZooKeeper login of a JAAS Client section (KAFKA_OPTS ' +
    '-Djava.security.auth.login.config=…, DigestLoginModule username/password, used as ZooKeeper\'s digest scheme); without one the broker refuses to start, as Kafka.'),
  define('zookeeper.max.in.flight.requests', 'int', 10, atLeast(1), 'high', RO,
    'Maximum number of unacknowledged ZooKeeper requests before the client blocks.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.client.enable', 'boolean', false, undefined, 'medium', RO,
    'Use TLS for the ZooKeeper connection. Rafka has no TLS to ZooKeeper yet: true refuses to start.'),
  define('zookeeper.clientCnxnSocket', 'string', null, undefined, 'medium', RO,
    'ZooKeeper client socket implementation, typically org.apache.zookeeper.ClientCnxnSocketNetty with TLS.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.keystore.location', 'string', null, undefined, 'medium', RO,
    'Key store with the client certificate for TLS to ZooKeeper.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.keystore.password', 'password', null, undefined, 'medium', RO,
    'Password of zookeeper.ssl.keystore.location (ZooKeeper needs the key password to be the same).', NOT_IMPLEMENTED),
  define('zookeeper.ssl.keystore.type', 'string', null, undefined, 'medium', RO,
    'Key store type for TLS to ZooKeeper; unset means detected from the file extension.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.truststore.location', 'string', null, undefined, 'medium', RO,
    'Trust store for TLS to ZooKeeper.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.truststore.password', 'password', null, undefined, 'medium', RO,
    'Password of zookeeper.ssl.truststore.location.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.truststore.type', 'string', null, undefined, 'medium', RO,
    'Trust store type for TLS to ZooKeeper; unset means detected from the file extension.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.protocol', 'string', 'TLSv1.2', undefined, 'low', RO,
    'TLS protocol for ZooKeeper connections.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.enabled.protocols', 'list', null, undefined, 'low', RO,
    'Enabled TLS protocols for ZooKeeper; unset means zookeeper.ssl.protocol.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.cipher.suites', 'list', null, undefined, 'low', RO,
    'Enabled cipher suites for ZooKeeper; unset means the runtime\'s defaults.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.endpoint.identification.algorithm', 'string', 'HTTPS', undefined, 'low', RO,
    'Hostname verification for ZooKeeper TLS: "https" (any case) enables it, an empty value disables it.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.crl.enable', 'boolean', false, undefined, 'low', RO,
    'Check certificate revocation lists for ZooKeeper TLS.', NOT_IMPLEMENTED),
  define('zookeeper.ssl.ocsp.enable', 'boolean', false, undefined, 'low', RO,
    'Use OCSP for ZooKeeper TLS.', NOT_IMPLEMENTED),
  define('zookeeper.metadata.migration.enable', 'boolean', false, undefined, 'high', RO,
    'Enable ZooKeeper to KRaft migration. Not supported by Rafka: must stay false.'),
  define('zookeeper.metadata.migration.min.batch.size', 'int', 200, atLeast(1), 'medium', RO,
    'Records per batch written during a KRaft migration.', { implemented: false, internal: true }),
];
