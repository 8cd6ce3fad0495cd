import { define } from '../config-key.js';
import { ConfigException } from '../config-exception.js';
import { betweenOr, type Validator } from '../validators.js';

/** `HOST:PORT`, `[v6]:PORT`, `:PORT` (all interfaces) or empty (off). */
const hostPortOrEmpty: Validator = {
  ensureValid(name, value) {
    const v = String(value ?? '').trim();
    if (v === '') return;
    const m = /^(?:\[[^\]]+\]|[^:[\]]*):(\d{1,5})$/.exec(v);
    if (!m || Number(m[1]) > 65535) throw new ConfigException(name, value, 'Expected HOST:PORT (e.g. 127.0.0.1:9404) or empty');
  },
  toString: () => 'HOST:PORT or empty',
};

export const RAFKA_CONFIGS = [
  define('inspect.port', 'int', null, betweenOr(0, 65535, -1), 'low', 'read-only',
    'Port of Rafka\'s built-in live state viewer on 127.0.0.1. Unset or -1 means off.', { rafkaOnly: true }),
  define('metrics.http.listener', 'string', '', hostPortOrEmpty, 'medium', 'read-only',
    'HOST:PORT of Rafka\'s HTTP listener for Prometheus (/metrics, named as the JMX exporter renders Kafka\'s MBeans) and the /healthz and /readyz probes; never a Kafka listener\'s port. Empty means off. The CLI flag --metrics-listener sets it.', { rafkaOnly: true }),
];
