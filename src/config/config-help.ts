import { BROKER_CONFIG_DEFS } from './config-def.js';
import type { ConfigKey } from './config-key.js';
import { formatValue } from './parse-type.js';
import { RAFKA_APPLIED_LIVE } from './dynamic-broker-config.js';

function defaultText(key: ConfigKey): string {
  if (key.default === undefined) return '(required)';
  if (key.default === null) return 'null';
  if (key.type === 'password') return '[hidden]';
  if (key.type === 'list') return (key.default as string[]).join(',') || '""';
  if (key.default === '') return '""';
  return formatValue(key.type, key.default);
}

function renderKey(key: ConfigKey): string {
  const tags = [key.rafkaOnly ? 'Rafka only' : '', key.internal ? 'internal' : '', RAFKA_APPLIED_LIVE.has(key.name) ? 'applied live' : '',
    key.implemented ? '' : 'accepted, not implemented'].filter(Boolean);
  return [
    `${key.name}${tags.length ? ` (${tags.join(', ')})` : ''}`,
    `  ${key.doc}`,
    `  Type: ${key.type}`,
    `  Default: ${defaultText(key)}`,
    `  Valid Values: ${key.validator?.toString() ?? ''}`,
    `  Importance: ${key.importance}`,
    `  Update Mode: ${key.dynamic}`,
  ].join('\n');
}

/** `--help-config`: every key of the definition table, sorted by name, as plain text. */
export function renderConfigHelp(): string {
  const keys = [...BROKER_CONFIG_DEFS].sort((a, b) => (a.name < b.name ? -1 : 1));
  const notImplemented = keys.filter((k) => !k.implemented).length;
  return `Broker configuration (${keys.length} keys; ${notImplemented} accepted, not implemented: Rafka does not act on them yet)\n\n${keys.map(renderKey).join('\n\n')}\n`
    + `\nDynamic keys (Update Mode per-broker / cluster-wide, set with AlterConfigs or \`rafka configs\`) tagged "applied live" take effect in the running broker; other dynamic keys are stored and described but take effect at the next start. leader.replication.throttled.rate and follower.replication.throttled.rate (/config/brokers/<id>) are applied live too.\n`;
}
