/**
 * `rafka configs` — Kafka's kafka-configs.sh (ConfigCommand) for topics and brokers over the Kafka protocol:
 * --describe (DescribeConfigs with synonyms: the dynamic configs, or every config with --all) and --alter
 * (IncrementalAlterConfigs: --add-config K=V,K2=V2 SET, --delete-config K,K2 DELETE). A broker entity is asked at that
 * broker; --entity-default is the cluster-wide broker default ('' resource name).
 */
import { describeError } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, parse, runCommand, str, UsageError, type Io } from './admin-common.js';

export const USAGE = `Usage: rafka configs --bootstrap-server HOST:PORT --entity-type topics|brokers
         (--entity-name NAME | --entity-default) (--describe [--all] | --alter [--add-config K=V,...] [--delete-config K,...])

As kafka-configs.sh for topics and brokers: --describe prints the dynamic configs (every config with --all)
with their synonyms; --alter sets / deletes configs (IncrementalAlterConfigs).
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

const SOURCES: Record<number, string> = { 1: 'DYNAMIC_TOPIC_CONFIG', 2: 'DYNAMIC_BROKER_CONFIG', 3: 'DYNAMIC_DEFAULT_BROKER_CONFIG', 4: 'STATIC_BROKER_CONFIG', 5: 'DEFAULT_CONFIG', 6: 'DYNAMIC_BROKER_LOGGER_CONFIG', 7: 'CLIENT_METRICS_CONFIG' };

/** Outside square brackets (Kafka's ConfigCommand pattern): `listeners=[A://:1,B://:2]` is one entry. */
const OUTSIDE_BRACKETS = '(?=[^\\]]*(?:\\[|$))';

/**
 * Kafka's ConfigCommand.parseConfigsToBeAdded: entries split on commas outside square brackets, each on its first `=`
 * outside them; brackets are then removed from the value (so list values such as listeners can be given as
 * `listeners=[PLAINTEXT://:9092,EXTRA://:9093]`, as Kafka's docs show).
 */
export function parseConfigsToBeAdded(text: string): Array<[string, string]> {
  if (text === '') return [];
  return text.split(new RegExp(`,${OUTSIDE_BRACKETS}`)).filter((x) => x !== '').map((kv) => {
    const parts = kv.split(new RegExp(`\\s*=\\s*${OUTSIDE_BRACKETS}`));
    if (parts.length !== 2 || parts[0]!.trim() === '') throw new UsageError(`invalid --add-config entry '${kv}': expected KEY=VALUE`);
    return [parts[0]!.trim(), parts[1]!.replace(/\[|\]/g, '').trim()];
  });
}

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('configs', USAGE, io, async () => {
    const { values } = parse(argv, {
      'entity-type': { type: 'string' }, 'entity-name': { type: 'string' }, 'entity-default': { type: 'boolean' },
      describe: { type: 'boolean' }, alter: { type: 'boolean' }, all: { type: 'boolean' },
      'add-config': { type: 'string' }, 'delete-config': { type: 'string' },
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const type = str(values['entity-type'], 'entity-type', true)!;
    if (type !== 'topics' && type !== 'brokers') throw new UsageError(`--entity-type must be topics or brokers, got '${type}'`);
    const name = values['entity-default'] ? '' : str(values['entity-name'], 'entity-name', true)!;
    if (type === 'topics' && name === '') throw new UsageError('--entity-default is for brokers only');
    if ((values.describe ? 1 : 0) + (values.alter ? 1 : 0) !== 1) throw new UsageError('exactly one of --describe, --alter is required');
    const resourceType = type === 'topics' ? 2 : 4;
    const client = clientFor(values);
    try {
      const send = <K extends 32 | 44>(k: K, body: Parameters<typeof client.sendAny<K>>[1]) =>
        type === 'brokers' && name !== '' ? client.sendTo(Number(name), k, body) : client.sendAny(k, body);
      if (type === 'brokers' && name !== '' && !/^\d+$/.test(name)) throw new UsageError(`--entity-name of a broker is its id, got '${name}'`);
      if (values.describe) {
        const r = await send(32, { resources: [{ resourceType, resourceName: name, configurationKeys: null }], includeSynonyms: true, includeDocumentation: false });
        const res = r.body.results[0]!;
        if (res.errorCode !== ErrorCode.NONE) { io.err(`Error while describing configs of ${type} ${name}: ${describeError(res.errorCode, res.errorMessage)}\n`); return EXIT.FAILED; }
        const dynamic = new Set([1, 2, 3]);
        const shown = res.configs.filter((c) => values.all || dynamic.has(c.configSource));
        if (values.json) {
          io.out(`${JSON.stringify(shown.map((c) => ({ name: c.name, value: c.isSensitive ? null : c.value, source: SOURCES[c.configSource] ?? String(c.configSource), sensitive: c.isSensitive, readOnly: c.readOnly })))}\n`);
        } else {
          const what = type === 'topics' ? `topic ${name}` : name === '' ? 'the default broker' : `broker ${name}`;
          io.out(`${values.all ? 'All' : 'Dynamic'} configs for ${what} are:\n`);
          for (const c of shown) {
            const syn = c.synonyms.map((s) => `${SOURCES[s.source] ?? s.source}:${s.name}=${c.isSensitive ? null : s.value}`).join(', ');
            io.out(`  ${c.name}=${c.isSensitive ? null : c.value} sensitive=${c.isSensitive} synonyms={${syn}}\n`);
          }
        }
        return EXIT.OK;
      }
      const add = parseConfigsToBeAdded(str(values['add-config'], 'add-config') ?? '').map(([name, value]) => ({ name, configOperation: 0, value }));
      const del = (str(values['delete-config'], 'delete-config') ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '').map((k) => ({ name: k, configOperation: 1, value: null }));
      if (add.length + del.length === 0) throw new UsageError('--alter needs --add-config and/or --delete-config');
      const r = await send(44, { resources: [{ resourceType, resourceName: name, configs: [...add, ...del] }], validateOnly: false });
      const res = r.body.responses[0]!;
      if (res.errorCode !== ErrorCode.NONE) { io.err(`Error while altering configs of ${type} ${name}: ${describeError(res.errorCode, res.errorMessage)}\n`); return EXIT.FAILED; }
      io.out(values.json ? `${JSON.stringify({ altered: { type, name } })}\n` : `Completed updating config for ${type === 'topics' ? 'topic' : 'broker'} ${name === '' ? '<default>' : name}.\n`);
      return EXIT.OK;
    } finally { client.close(); }
  });
}
