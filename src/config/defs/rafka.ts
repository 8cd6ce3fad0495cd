import { define } from '../config-key.js';
import { betweenOr } from '../validators.js';

export const RAFKA_CONFIGS = [
  define('inspect.port', 'int', null, betweenOr(0, 65535, -1), 'low', 'read-only',
    'Port of Rafka\'s built-in live state viewer on 127.0.0.1. Unset or -1 means off.', { rafkaOnly: true }),
];
