import { BROKER_CONFIG_DEFS } from './config-def.js';
import type { ConfigKey } from './config-key.js';
import { formatValue } from './parse-type.js';

function defaultText(key: ConfigKey): string {
  if (key.default === undefined) return '(required)';
  if (key.default === null) return 'null';
  if (key.type === 'password') return '[hidden]';
  if (key.type === 'list') return (key.default as string[]).join(',') || '""';
  if (key.default === '') return '""';
  return formatValue(key.type, key.default);
}

function renderKey(key: ConfigKey): string {
  const tags = [key.rafkaOnly ? 'Rafka only' : '', key.internal ? 'internal' : '', key.appliedLive ? 'applied live' : '',
    key.implemented ? '' : 'accepted, not implemented'].filter(Boolean);
  return [
    `${key.name}${tags.length ? ` (${tags.join(', ')})` : ''}`,
    `  ${key.doc}`,
    `  Type: ${key.type}`,
    `  Default: ${defaultText(key)}`,
    `  Valid Values: ${key.validator?.toString() ?? ''}`,
    `  Importance: ${key.importance}`,
    `  Update Mode: ${key.dynamic}${key.dynamic === 'read-only' ? '' : key.appliedLive ? ' (applied live)' : key.implemented ? ' (takes effect at the next start)' : ' (no effect in Rafka)'}`,
  ].join('\n');
}

/** `--help-config`: every key of the definition table, sorted by name, as plain text. */
export function renderConfigHelp(): string {
  const keys = [...BROKER_CONFIG_DEFS].sort((a, b) => (a.name < b.name ? -1 : 1));
  const notImplemented = keys.filter((k) => !k.implemented).length;
  const dynamic = keys.filter((k) => k.dynamic !== 'read-only');
  const live = dynamic.filter((k) => k.appliedLive);
  const later = dynamic.filter((k) => !k.appliedLive && k.implemented);
  const none = dynamic.filter((k) => !k.appliedLive && !k.implemented);
  return `Broker configuration (${keys.length} keys; ${notImplemented} accepted, not implemented: Rafka does not act on them yet)\n\n${keys.map(renderKey).join('\n\n')}\n`
    + `\nDynamic keys: ${dynamic.length}; applied live (${live.length}): ${live.map((k) => k.name).join(', ')}.\n`
    + `Dynamic, taking effect at the next start (${later.length}): ${later.map((k) => k.name).join(', ')}.\n`
    + `Dynamic, accepted but with no effect in Rafka (${none.length}): ${none.map((k) => k.name).join(', ')}.\n`
    + `\nDynamic keys (Update Mode per-broker / cluster-wide, set with AlterConfigs or \`rafka configs\`) tagged "applied live" take effect in the running broker; other dynamic keys are stored and described but take effect at the next start. The ssl.keystore.* / ssl.truststore.* / ssl.key.password keys are dynamic only with a listener.name.<listener>. prefix, as in Kafka. A change of a thread count (num.io.threads, num.replica.fetchers, num.recovery.threads.per.data.dir, background.threads, log.cleaner.threads) must stay within half and double the current value, as Kafka requires. leader.replication.throttled.rate, follower.replication.throttled.rate and replica.alter.log.dirs.io.max.bytes.per.second (/config/brokers/<id>) are applied live too.\n`;
}
