import { define, NOT_IMPLEMENTED } from '../config-key.js';
import { atLeast } from '../validators.js';

const RO = 'read-only';
const CLUSTER = 'cluster-wide';

export const METRIC_CONFIGS = [
  define('metric.reporters', 'list', [], undefined, 'low', CLUSTER,
    'Classes notified of metric creation and updates.', NOT_IMPLEMENTED),
  define('metrics.num.samples', 'int', 2, atLeast(1), 'low', RO,
    'Samples kept to compute metrics.', NOT_IMPLEMENTED),
  define('metrics.sample.window.ms', 'long', 30000, atLeast(1), 'low', RO,
    'Window of one metrics sample.', NOT_IMPLEMENTED),
  define('metrics.recording.level', 'string', 'INFO', undefined, 'low', RO,
    'Highest recording level of metrics.', NOT_IMPLEMENTED),
  define('kafka.metrics.reporters', 'list', [], undefined, 'low', RO,
    'Yammer-style metrics reporter classes.', NOT_IMPLEMENTED),
  define('kafka.metrics.polling.interval.secs', 'int', 10, atLeast(1), 'low', RO,
    'Polling interval of kafka.metrics.reporters.', NOT_IMPLEMENTED),
];
