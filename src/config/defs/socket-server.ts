import { define, INT_MAX, NOT_IMPLEMENTED } from '../config-key.js';
import { atLeast } from '../validators.js';
import { listenerListValidator } from '../listeners.js';

const RO = 'read-only';
const PER_BROKER = 'per-broker';
const CLUSTER = 'cluster-wide';

/** Kafka's default: every SecurityProtocol maps to a listener of the same name. */
export const DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP =
  'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

export const SOCKET_SERVER_CONFIGS = [
  define('listeners', 'string', 'PLAINTEXT://:9092', listenerListValidator, 'high', PER_BROKER,
    'Comma-separated NAME://host:port listeners to bind. An empty host binds the default interface, ' +
    '0.0.0.0 binds all IPv4 interfaces, [::1] style brackets hold IPv6 hosts. Names and ports must be unique; ' +
    'every name needs a protocol in listener.security.protocol.map. Rafka serves PLAINTEXT only: a listener whose ' +
    'protocol is SSL, SASL_PLAINTEXT or SASL_SSL refuses to start.'),
  define('advertised.listeners', 'string', null, listenerListValidator, 'high', PER_BROKER,
    'Listeners published in ZooKeeper for clients and other brokers. Unset means listeners. Must not use 0.0.0.0.'),
  define('listener.security.protocol.map', 'string', DEFAULT_LISTENER_SECURITY_PROTOCOL_MAP, undefined, 'low', PER_BROKER,
    'Map of listener name to security protocol, NAME:PROTOCOL pairs separated by commas.'),
  define('control.plane.listener.name', 'string', null, undefined, 'high', RO,
    'Listener dedicated to controller-to-broker traffic; unset means the inter-broker listener is used.'),
  define('socket.send.buffer.bytes', 'int', 102400, undefined, 'high', RO,
    'SO_SNDBUF of accepted sockets; -1 uses the OS default. Set through Rafka\'s native addon (Node cannot); without it the OS default stays, with a warning.'),
  define('socket.receive.buffer.bytes', 'int', 102400, undefined, 'high', RO,
    'SO_RCVBUF of listening sockets, inherited by accepted ones; -1 uses the OS default. Set through Rafka\'s native addon (Node cannot); without it the OS default stays, with a warning.'),
  define('socket.request.max.bytes', 'int', 104857600, atLeast(1), 'high', RO,
    'Largest request the broker reads from a socket.'),
  define('socket.listen.backlog.size', 'int', 50, atLeast(1), 'medium', RO,
    'Maximum number of pending connections on each listening socket (the kernel caps it at net.core.somaxconn).'),
  define('max.connections.per.ip', 'int', INT_MAX, atLeast(0), 'medium', CLUSTER,
    'Connections allowed from one IP address; may be 0 only when max.connections.per.ip.overrides is set.'),
  define('max.connections.per.ip.overrides', 'string', '', undefined, 'medium', CLUSTER,
    'Per-IP or per-hostname connection limits, e.g. "host1:100,127.0.0.1:200".'),
  define('max.connections', 'int', INT_MAX, atLeast(0), 'medium', CLUSTER,
    'Connections allowed on the broker at any time (may also be set per listener).'),
  define('max.connection.creation.rate', 'int', INT_MAX, atLeast(0), 'medium', CLUSTER,
    'New connections accepted per second on the broker (may also be set per listener).'),
  define('connections.max.idle.ms', 'long', 600000, undefined, 'medium', RO,
    'Idle connections are closed after this many milliseconds.'),
  define('connection.failed.authentication.delay.ms', 'int', 100, atLeast(0), 'low', RO,
    'Delay before closing a connection whose authentication failed; must be below connections.max.idle.ms.'),
];
