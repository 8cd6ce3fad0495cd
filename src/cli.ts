/**
 * `rafka [-v LEVEL] [-o key=value]... [--local-zookeeper] CONFIG` — start a broker from a Kafka
 * server.properties file. --help and --version answer before any config is read.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';
import { createActor, toPromise } from 'xstate';
import { createLogger, LOG_LEVELS, type Logger } from './logger.js';
import { KafkaConfig, ConfigException, loadPropertiesFile, applyOverrides, renderConfigHelp, unknownConfigMessage } from './config/kafka-config.js';
import { notImplementedWarning } from './config/not-implemented.js';
import { securityRefusal } from './config/unsupported-security.js';
import { buildListenerSecurity } from './services/security/listener-security.js';
import { buildInterBrokerClientSecurity, setInterBrokerClientSecurity } from './services/security/client-channel.js';
import { buildZkClientSecurity } from './services/security/zk-jaas.js';
import { secureAclsRefusal, setZkClientSecurity } from './services/zookeeper/zk-acls.js';
import { majordomoMachine } from './machines/majordomo.js';
import { parseZkConnect } from './services/zookeeper/connect-string.js';
import { startLocalZooKeeper, type LocalZooKeeper } from './services/zookeeper/local-zookeeper.js';
import { INSPECT_PARSE_OPTIONS, INSPECT_USAGE, normaliseInspectArgv, parseInspectValues, maybeStartInspection, type InspectCliOptions } from './inspect/options.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: rafka [options] CONFIG

Starts a Rafka broker (Apache Kafka, ZooKeeper mode) from a Kafka server.properties file.

Options:
  -v, --verbosity LEVEL        log level: ${LOG_LEVELS.join(', ')} (default info)
  -o, --override KEY=VALUE     override a config from the file (repeatable; later wins)
      --local-zookeeper        start a local ZooKeeper (Debian's zookeeper package) on the
                               zookeeper.connect port, data in .local-zookeeper/ (opt-in)
      --metrics-listener HOST:PORT
                               serve Prometheus /metrics and the /healthz, /readyz probes there
                               (config: metrics.http.listener; e.g. 127.0.0.1:9404)
      --help-config            list every broker config with type, default and doc
${INSPECT_USAGE}  -h, --help                   show this help and exit
      --version                show the version and exit

Subcommands (rafka SUBCOMMAND --help for each):
  topics, reassign, leader-election, delete-records, log-dirs describe, consumer-groups, configs
                               cluster administration over the Kafka protocol (any Kafka-compatible
                               cluster; flags and JSON files as Kafka's kafka-*.sh tools)
  log-dirs check DIR...        offline audit (and --fix) of a stopped broker's log dirs
  dump-log FILE...             print the batches / records of segment, index and checkpoint files
  zk                           inspect a cluster's ZooKeeper tree
  machines                     list / export the XState machine definitions
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  return `rafka ${pkg.version}`;
}

interface CliOptions { level: (typeof LOG_LEVELS)[number]; overrides: string[]; configPath: string; localZooKeeper: boolean; inspect?: InspectCliOptions }

type Parsed = { kind: 'exit'; code: number } | { kind: 'run'; opts: CliOptions };

export function parseCli(argv: string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args: normaliseInspectArgv(argv),
      allowPositionals: true,
      options: {
        verbosity: { type: 'string', short: 'v' },
        override: { type: 'string', short: 'o', multiple: true },
        'local-zookeeper': { type: 'boolean' },
        'metrics-listener': { type: 'string' },
        'help-config': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...INSPECT_PARSE_OPTIONS,
      },
    });
  } catch (e) {
    err(`rafka: ${(e as Error).message}\n\n${USAGE}`);
    return { kind: 'exit', code: 2 };
  }
  const { values, positionals } = parsed;
  if (values.help) { out(USAGE); return { kind: 'exit', code: 0 }; }
  if (values.version) { out(`${version()}\n`); return { kind: 'exit', code: 0 }; }
  if (values['help-config']) { out(renderConfigHelp()); return { kind: 'exit', code: 0 }; }
  const level = (values.verbosity ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    err(`rafka: invalid verbosity '${values.verbosity}': expected one of ${LOG_LEVELS.join(', ')}\n`);
    return { kind: 'exit', code: 2 };
  }
  const inspect = parseInspectValues(values);
  if ('error' in inspect) { err(`rafka: ${inspect.error}\n`); return { kind: 'exit', code: 2 }; }
  if (positionals.length !== 1) {
    err(`rafka: expected exactly one CONFIG file, got ${positionals.length}\n\n${USAGE}`);
    return { kind: 'exit', code: 2 };
  }
  return {
    kind: 'run',
    // --metrics-listener is metrics.http.listener, winning over the file and -o
    opts: { level: level as CliOptions['level'], overrides: [...(values.override ?? []), ...(values['metrics-listener'] !== undefined ? [`metrics.http.listener=${values['metrics-listener']}`] : [])], configPath: positionals[0], localZooKeeper: values['local-zookeeper'] ?? false, inspect },
  };
}

/** Reads, overrides and validates the config; a bad value is one fatal line naming key, value and expectation. */
function loadConfig(opts: CliOptions, log: Logger): { config: KafkaConfig; staticProps: Record<string, string> } {
  const staticProps = applyOverrides(loadPropertiesFile(opts.configPath), opts.overrides);
  const config = KafkaConfig.fromProps(staticProps, { onUnknownKey: (key) => log.warn({ key }, unknownConfigMessage(key)) });
  const refusal = securityRefusal(config);
  if (refusal) throw new ConfigException(refusal);
  buildListenerSecurity(config, config.listeners); // key stores, trust stores, TLS/SASL settings: a bad one is fatal here
  // how this broker connects to the others (controller channel, replica fetchers, marker sender): TLS / SASL login
  setInterBrokerClientSecurity(buildInterBrokerClientSecurity(config));
  // the ZooKeeper login (the JAAS file's Client section named in KAFKA_OPTS); zookeeper.set.acl without one: Kafka's refusal
  const zkSecurity = buildZkClientSecurity(process.env.KAFKA_OPTS);
  const zkRefusal = secureAclsRefusal(config.zkSetAcl, zkSecurity);
  if (zkRefusal) throw new ConfigException(zkRefusal);
  setZkClientSecurity(zkSecurity);
  log.info({ config: Object.fromEntries(config.loggableValues()) }, `KafkaConfig values (from ${opts.configPath})`);
  const notImplemented = notImplementedWarning(config);
  if (notImplemented) log.warn(notImplemented);
  return { config, staticProps };
}

async function maybeStartLocalZooKeeper(opts: CliOptions, config: KafkaConfig, log: Logger): Promise<LocalZooKeeper | null> {
  if (!opts.localZooKeeper) return null;
  const [server] = parseZkConnect(config.zkConnect).servers;
  return startLocalZooKeeper({ host: server.host, port: server.port, dataDir: path.join(REPO_ROOT, '.local-zookeeper', 'data'), log: log.child({ actor: 'localZooKeeper' }) });
}

/**
 * Subcommands of the same bin (troubleshooting tools, machine export). Each module exports
 * `run(argv): Promise<number>`; the broker itself is the default command.
 */
const SUBCOMMANDS: Record<string, string> = {
  machines: './commands/machines.js',
  zk: './commands/zk.js',
  'dump-log': './commands/dump-log.js',
  'log-dirs': './commands/log-dirs.js',
  topics: './commands/topics.js',
  reassign: './commands/reassign.js',
  'leader-election': './commands/leader-election.js',
  'delete-records': './commands/delete-records.js',
  'consumer-groups': './commands/consumer-groups.js',
  configs: './commands/configs.js',
};

export async function main(argv: string[]): Promise<number> {
  const sub = SUBCOMMANDS[argv[0] ?? ''];
  if (sub) {
    const mod = (await import(sub).catch(() => null)) as { run(argv: string[]): Promise<number> } | null;
    if (!mod) { process.stderr.write(`rafka: the '${argv[0]}' command is not available in this build\n`); return 2; }
    return mod.run(argv.slice(1));
  }
  return runBrokerCommand(argv);
}

async function runBrokerCommand(argv: string[]): Promise<number> {
  const parsed = parseCli(argv);
  if (parsed.kind === 'exit') return parsed.code;
  const { opts } = parsed;
  const log = createLogger(opts.level);
  let loaded;
  try {
    loaded = loadConfig(opts, log);
  } catch (e) {
    if (!(e instanceof ConfigException)) throw e;
    log.fatal({ configFile: opts.configPath }, e.message);
    return 1;
  }
  let localZk: LocalZooKeeper | null = null;
  try {
    localZk = await maybeStartLocalZooKeeper(opts, loaded.config, log);
  } catch (e) {
    log.fatal({ err: (e as Error).message }, (e as Error).message);
    return 1;
  }
  const code = await runBroker(loaded.config, loaded.staticProps, log, opts.inspect);
  await localZk?.stop();
  return code;
}

/** Runs the Majordomo until it stops; SIGTERM/SIGINT ask for a clean shutdown, a second one forces exit. */
async function runBroker(config: KafkaConfig, staticProps: Record<string, string>, log: Logger, inspectOpts?: InspectCliOptions): Promise<number> {
  // Inspection (--inspect, --inspect-port, inspect.port): when off, no inspect option at all.
  let inspection;
  try {
    inspection = await maybeStartInspection(inspectOpts, config.inspectPort, log);
  } catch (e) {
    log.fatal({ err: (e as Error).message }, `Cannot start the live state viewer: ${(e as Error).message}`);
    return 1;
  }
  const actor = createActor(majordomoMachine, { input: { config, staticProps, log }, ...(inspection ? { inspect: inspection.inspect } : {}) });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) { log.warn({ signal }, 'Second signal: exiting without clean shutdown'); process.exit(1); }
    actor.send({ type: 'broker.shutdown', signal });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  actor.start();
  try {
    const output = await toPromise(actor);
    // Kafka's LogDirFailureHandler: Exit.halt(1) once no log dir is left — listeners, timers and
    // clients still open must not keep the process alive (the fatal line is already written).
    if (output.halted) process.exit(output.exitCode);
    return output.exitCode;
  } catch (e) {
    log.fatal({ err: (e as Error).stack ?? String(e) }, `Majordomo failed: ${(e as Error).message}`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await inspection?.close();
  }
}
