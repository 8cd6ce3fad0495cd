/**
 * `rafka topics` — Kafka's kafka-topics.sh (TopicCommand) over the Kafka protocol: --list, --describe, --create,
 * --delete, --alter --partitions. Create/delete/alter go to the controller (Metadata's controller id; NOT_CONTROLLER
 * answers are retried there, as Kafka's admin client does).
 */
import { describeError } from '../services/admin/admin-client.js';
import { ErrorCode } from '../protocol/errors.js';
import { clientFor, COMMON_OPTIONS_HELP, defaultIo, EXIT, EXIT_CODES_HELP, int, parse, runCommand, str, UsageError, type Io } from './admin-common.js';

export const USAGE = `Usage: rafka topics --bootstrap-server HOST:PORT ACTION [options]

Actions (as kafka-topics.sh):
  --list                         topic names (internal ones too)
  --describe [--topic T]         partitions with leader, replicas, ISR (and offline replicas); the topic's
                                 non-default configs
  --create --topic T [--partitions N] [--replication-factor R] [--replica-assignment 1:2,2:3]
                                 [--config K=V]...
  --delete --topic T
  --alter --topic T --partitions N   add partitions
Options:
${COMMON_OPTIONS_HELP}
${EXIT_CODES_HELP}
`;

export async function run(argv: string[], ioIn: Partial<Io> = {}): Promise<number> {
  const io = defaultIo(ioIn);
  return runCommand('topics', USAGE, io, async () => {
    const { values } = parse(argv, {
      list: { type: 'boolean' }, describe: { type: 'boolean' }, create: { type: 'boolean' }, delete: { type: 'boolean' }, alter: { type: 'boolean' },
      topic: { type: 'string' }, partitions: { type: 'string' }, 'replication-factor': { type: 'string' }, 'replica-assignment': { type: 'string' },
      config: { type: 'string', multiple: true },
    });
    if (values.help) { io.out(USAGE); return EXIT.OK; }
    const actions = ['list', 'describe', 'create', 'delete', 'alter'].filter((a) => values[a]);
    if (actions.length !== 1) throw new UsageError('exactly one of --list, --describe, --create, --delete, --alter is required');
    const client = clientFor(values);
    try {
      const topic = str(values.topic, 'topic', actions[0] !== 'list' && actions[0] !== 'describe');
      const json = values.json === true;
      switch (actions[0]) {
        case 'list': {
          const md = await client.metadata();
          const names = md.topics.map((t) => t.name);
          io.out(json ? `${JSON.stringify(names)}\n` : names.map((n) => `${n}\n`).join(''));
          return EXIT.OK;
        }
        case 'describe': {
          const md = await client.metadata(topic ? [topic] : null);
          const topics = md.topics.filter((t) => !topic || t.name === topic);
          const missing = topics.filter((t) => t.errorCode !== ErrorCode.NONE);
          for (const t of missing) io.err(`Error while executing topic command : Topic '${t.name}': ${describeError(t.errorCode)}\n`);
          const ok = topics.filter((t) => t.errorCode === ErrorCode.NONE);
          const configs = await topicConfigs(client, ok.map((t) => t.name));
          if (json) {
            io.out(`${JSON.stringify(ok.map((t) => ({ topic: t.name, topicId: t.topicId, partitionCount: t.partitions.length, replicationFactor: t.partitions[0]?.replicas.length ?? 0, configs: configs.get(t.name) ?? {},
              partitions: t.partitions.map((p) => ({ partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr, offlineReplicas: p.offlineReplicas })) })), null, 2)}\n`);
          } else {
            for (const t of ok) {
              const cfg = Object.entries(configs.get(t.name) ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
              io.out(`Topic: ${t.name}\tTopicId: ${t.topicId}\tPartitionCount: ${t.partitions.length}\tReplicationFactor: ${t.partitions[0]?.replicas.length ?? 0}\tConfigs: ${cfg}\n`);
              for (const p of t.partitions) {
                io.out(`\tTopic: ${t.name}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}${p.offlineReplicas.length ? `\tOffline: ${p.offlineReplicas.join(',')}` : ''}\n`);
              }
            }
          }
          return missing.length > 0 ? EXIT.FAILED : EXIT.OK;
        }
        case 'create': {
          const partitions = int(values.partitions, 'partitions');
          const rf = int(values['replication-factor'], 'replication-factor');
          const assignment = str(values['replica-assignment'], 'replica-assignment');
          if (assignment && (partitions !== undefined || rf !== undefined)) throw new UsageError('--replica-assignment cannot be used with --partitions or --replication-factor');
          const assignments = assignment ? assignment.split(',').map((p, partitionIndex) => {
            const ids = p.split(':').map((x) => x.trim());
            if (ids.some((x) => !/^\d+$/.test(x))) throw new UsageError(`invalid --replica-assignment '${assignment}': expected broker ids like 1:2,2:3`);
            return { partitionIndex, brokerIds: ids.map(Number) };
          }) : [];
          const configs = ((values.config as string[] | undefined) ?? []).map((kv) => {
            const i = kv.indexOf('=');
            if (i <= 0) throw new UsageError(`invalid --config '${kv}': expected KEY=VALUE`);
            return { name: kv.slice(0, i), value: kv.slice(i + 1) };
          });
          const r = await client.sendToController(19, {
            topics: [{ name: topic!, numPartitions: partitions ?? -1, replicationFactor: rf ?? -1, assignments, configs }], timeoutMs: 30_000, validateOnly: false,
          }, (b) => b.topics.some((t) => t.errorCode === ErrorCode.NOT_CONTROLLER));
          const res = r.body.topics[0]!;
          if (res.errorCode !== ErrorCode.NONE) { io.err(`Error while executing topic command : ${describeError(res.errorCode, res.errorMessage)}\n`); return EXIT.FAILED; }
          io.out(json ? `${JSON.stringify({ created: topic })}\n` : `Created topic ${topic}.\n`);
          return EXIT.OK;
        }
        case 'delete': {
          const r = await client.sendToController(20, { topicNames: [topic!], timeoutMs: 30_000 }, (b) => b.responses.some((t) => t.errorCode === ErrorCode.NOT_CONTROLLER), { maxVersion: 5 });
          const res = r.body.responses[0]!;
          if (res.errorCode !== ErrorCode.NONE) { io.err(`Error while executing topic command : ${describeError(res.errorCode, res.errorMessage)}\n`); return EXIT.FAILED; }
          io.out(json ? `${JSON.stringify({ deleted: topic })}\n` : `Deleted topic ${topic}.\n`);
          return EXIT.OK;
        }
        default: {
          const count = int(values.partitions, 'partitions');
          if (count === undefined) throw new UsageError('--alter needs --partitions N');
          const r = await client.sendToController(37, { topics: [{ name: topic!, count, assignments: null }], timeoutMs: 30_000, validateOnly: false },
            (b) => b.results.some((t) => t.errorCode === ErrorCode.NOT_CONTROLLER));
          const res = r.body.results[0]!;
          if (res.errorCode !== ErrorCode.NONE) { io.err(`Error while executing topic command : ${describeError(res.errorCode, res.errorMessage)}\n`); return EXIT.FAILED; }
          io.out(json ? `${JSON.stringify({ topic, partitions: count })}\n` : `Topic ${topic} now has ${count} partitions.\n`);
          return EXIT.OK;
        }
      }
    } finally { client.close(); }
  });
}

/** Non-default (dynamic topic) configs per topic, via DescribeConfigs. */
async function topicConfigs(client: ReturnType<typeof clientFor>, topics: string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (topics.length === 0) return out;
  const r = await client.sendAny(32, { resources: topics.map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: null })), includeSynonyms: false, includeDocumentation: false });
  for (const res of r.body.results) {
    if (res.errorCode !== ErrorCode.NONE) continue;
    // configSource 1 = DYNAMIC_TOPIC_CONFIG (v1+); v0 only has isDefault
    out.set(res.resourceName, Object.fromEntries(res.configs.filter((c) => (r.version >= 1 ? c.configSource === 1 : !c.isDefault) && c.value !== null).map((c) => [c.name, c.value!])));
  }
  return out;
}
