/**
 * Issue 10: no dynamic config can stop a broker. Every key of Kafka 3.7's DynamicBrokerConfig.AllDynamicConfigs (+ the
 * DynamicConfig.Broker quotas), a sample of read-only keys and a sample of unknown / topic-level keys go to one broker
 * (a) through AlterConfigs / IncrementalAlterConfigs, per broker and at <default>, getting Kafka 3.7's answers, and
 * (b) written straight into /config/brokers/{1,<default>} and /config/topics/<t> as kafka-configs.sh or a hand edit
 * would; each time the broker stays up, serves produce/fetch, warns once per skipped entry, and restarts with it all
 * in place. One broker, one ZooKeeper, the keys batched; waits are for log lines / answers, never fixed sleeps.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Kafka, logLevel, ConfigResourceTypes } from 'kafkajs';
import { connect, type Socket } from 'node:net';
import { ApiKey } from '../../src/protocol/api-keys.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeResponse, encodeRequest, type RequestInput, type ResponseBody } from '../../src/protocol/frame.js';
import type { ImplementedApiKey } from '../../src/protocol/messages/index.js';
import { KAFKA_DYNAMIC_BROKER_CONFIGS, KAFKA_LISTENER_PREFIX_ONLY_CONFIGS } from '../../src/config/dynamic-broker-config.js';
import { configKey } from '../../src/config/config-def.js';
import { baseConfigName } from '../../src/services/config/dynamic-config-rules.js';
import { REPLICATION_THROTTLE_RATES } from '../../src/services/config/dynamic-broker-config.js';
import { CreateMode, type ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, cleanupAll, inspectZk, runCommand, eventually, type TestBroker } from './support.js';

const BROKER = 4, SET = 0;
const PASSWORD = 'pa55-never-logged';

/** A valid value, different from the default where that is harmless, for every Kafka 3.7 dynamic broker key. */
function dynamicValues(listeners: string): Record<string, string> {
  return {
    // SslConfigs.RECONFIGURABLE_CONFIGS (sent with a listener prefix where Kafka requires one)
    'ssl.keystore.type': 'PKCS12', 'ssl.keystore.location': '/nonexistent/ks.p12', 'ssl.keystore.password': PASSWORD,
    'ssl.key.password': PASSWORD, 'ssl.truststore.type': 'PKCS12', 'ssl.truststore.location': '/nonexistent/ts.p12',
    'ssl.truststore.password': PASSWORD, 'ssl.keystore.certificate.chain': PASSWORD, 'ssl.keystore.key': PASSWORD,
    'ssl.truststore.certificates': PASSWORD,
    // LogCleaner
    'log.cleaner.threads': '2', 'log.cleaner.dedupe.buffer.size': '67108864', 'log.cleaner.io.buffer.load.factor': '0.8',
    'log.cleaner.io.buffer.size': '262144', 'message.max.bytes': '2000000', 'log.cleaner.io.max.bytes.per.second': '100000000',
    'log.cleaner.backoff.ms': '10000',
    // DynamicLogConfig
    'log.segment.bytes': '536870912', 'log.roll.ms': '3600000', 'log.roll.jitter.ms': '1000', 'log.index.size.max.bytes': '5242880',
    'log.flush.interval.messages': '100000', 'log.flush.interval.ms': '60000', 'log.retention.bytes': '1073741824',
    'log.retention.ms': '86400000', 'log.index.interval.bytes': '8192', 'log.cleaner.delete.retention.ms': '3600000',
    'log.cleaner.min.compaction.lag.ms': '1000', 'log.cleaner.max.compaction.lag.ms': '86400000', 'log.segment.delete.delay.ms': '30000',
    'log.cleaner.min.cleanable.ratio': '0.6', 'log.cleanup.policy': 'delete', 'unclean.leader.election.enable': 'false',
    'min.insync.replicas': '1', 'compression.type': 'producer', 'log.preallocate': 'false', 'log.message.timestamp.type': 'CreateTime',
    'log.message.timestamp.difference.max.ms': '86400000', 'log.message.timestamp.before.max.ms': '86400000',
    'log.message.timestamp.after.max.ms': '3600000', 'log.message.downconversion.enable': 'true',
    'log.local.retention.ms': '-2', 'log.local.retention.bytes': '-2',
    // DynamicThreadPool, metric reporters
    'num.io.threads': '10', 'num.replica.fetchers': '2', 'num.recovery.threads.per.data.dir': '2', 'background.threads': '12',
    'metric.reporters': '',
    // DynamicListenerConfig (listeners unchanged: the broker keeps its port)
    'advertised.listeners': listeners, listeners, 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'principal.builder.class': 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder',
    'ssl.protocol': 'TLSv1.3', 'ssl.provider': 'SunJSSE', 'ssl.cipher.suites': '', 'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
    'ssl.keymanager.algorithm': 'SunX509', 'ssl.trustmanager.algorithm': 'PKIX', 'ssl.endpoint.identification.algorithm': 'https',
    'ssl.secure.random.implementation': 'SHA1PRNG', 'ssl.client.auth': 'none',
    'ssl.engine.factory.class': 'org.apache.kafka.common.security.ssl.DefaultSslEngineFactory',
    'sasl.mechanism.inter.broker.protocol': 'GSSAPI', 'sasl.jaas.config': PASSWORD, 'sasl.enabled.mechanisms': 'GSSAPI',
    'sasl.kerberos.service.name': 'kafka', 'sasl.kerberos.kinit.cmd': '/usr/bin/kinit', 'sasl.kerberos.ticket.renew.window.factor': '0.8',
    'sasl.kerberos.ticket.renew.jitter': '0.05', 'sasl.kerberos.min.time.before.relogin': '58000',
    'sasl.kerberos.principal.to.local.rules': 'DEFAULT', 'sasl.login.refresh.window.factor': '0.8',
    'sasl.login.refresh.window.jitter': '0.05', 'sasl.login.refresh.min.period.seconds': '60', 'sasl.login.refresh.buffer.seconds': '300',
    'max.connections': '1000', 'max.connection.creation.rate': '1000', 'num.network.threads': '4',
    // SocketServer, ProducerStateManagerConfig, DynamicRemoteLogConfig, DynamicConfig.Broker quotas
    'max.connections.per.ip': '1000', 'max.connections.per.ip.overrides': '127.0.0.1:500',
    'producer.id.expiration.ms': '86400000', 'transaction.partition.verification.enable': 'true',
    'remote.log.index.file.cache.total.size.bytes': '1073741824',
    'leader.replication.throttled.rate': '10485760', 'follower.replication.throttled.rate': '10485760',
    'replica.alter.log.dirs.io.max.bytes.per.second': '10485760',
  };
}

/** Read-only in Kafka ("Cannot update these configs dynamically"). */
const READ_ONLY: Record<string, string> = {
  'broker.id': '7', 'log.dirs': '/elsewhere', 'zookeeper.connect': 'nowhere:2181', 'log.retention.hours': '1', 'num.partitions': '9',
  'auto.create.topics.enable': 'false', 'delete.topic.enable': 'false', 'offsets.topic.replication.factor': '3',
  'log.message.format.version': '2.8', 'socket.request.max.bytes': '1024',
  // Kafka keys Rafka's table lacks, still read-only for Kafka
  'controller.quorum.voters': '1@localhost:9093', 'sasl.login.class': 'x.Login',
};
/** Accepted by Kafka on a broker resource (custom keys), not acted on by Rafka. */
const UNKNOWN: Record<string, string> = {
  'cleanup.policy': 'delete', 'retention.ms': '1000', 'no.such.broker.key': 'x', 'my.plugin.setting': 'y',
  'listener.name.plaintext.bogus.key': 'z',
};
/** A listener-prefixed key is per-broker only (unless its base is cluster-level): not for <default>. */
const UNKNOWN_AT_DEFAULT = Object.fromEntries(Object.entries(UNKNOWN).filter(([k]) => !k.startsWith('listener.name.')));

/** Values Kafka refuses ("Invalid value ..."). */
const BAD_VALUES: Record<string, string> = {
  'num.io.threads': 'lots', 'log.retention.ms': 'soon', 'log.cleanup.policy': 'shred', 'message.max.bytes': '-5',
  'sasl.kerberos.min.time.before.relogin': 'later', 'leader.replication.throttled.rate': '-1',
};

const isPrefixOnly = (k: string) => KAFKA_LISTENER_PREFIX_ONLY_CONFIGS.has(k);
const perBrokerOnly = (k: string) => KAFKA_DYNAMIC_BROKER_CONFIGS.get(k) === 'per-broker';

/** One connection, one request at a time. */
class RawClient {
  private buf = Buffer.alloc(0);
  private pending: { resolve: (frame: Buffer) => void; reject: (e: Error) => void } | null = null;
  private correlationId = 0;
  private constructor(private readonly sock: Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      if (this.buf.length >= 4 && this.buf.length >= 4 + this.buf.readInt32BE(0)) {
        const size = this.buf.readInt32BE(0);
        const frame = this.buf.subarray(4, 4 + size);
        this.buf = this.buf.subarray(4 + size);
        const p = this.pending; this.pending = null; p?.resolve(frame);
      }
    });
    sock.on('close', () => { const p = this.pending; this.pending = null; p?.reject(new Error('connection closed')); });
  }
  static async open(port: number): Promise<RawClient> {
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => { sock.once('connect', resolve); sock.once('error', reject); });
    return new RawClient(sock);
  }
  async send<K extends ImplementedApiKey>(apiKey: K, version: number, body: RequestInput<K>): Promise<ResponseBody<K>> {
    const correlationId = ++this.correlationId;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to api key ${apiKey}`)), 15_000);
      this.pending = { resolve: (f) => { clearTimeout(timer); resolve(f); }, reject: (e) => { clearTimeout(timer); reject(e); } };
      this.sock.write(encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: 'safety-it' }, body));
    });
    const r = decodeResponse(frame, apiKey, version);
    expect(r.correlationId).toBe(correlationId);
    return r.body;
  }
  close(): void { this.sock.destroy(); }
}

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let zks: ZkSession;
let port: number;
let values: Record<string, string>;

beforeAll(async () => {
  zk = await startZooKeeper();
  b = await brokerConfig(zk, { 'password.encoder.secret': 'it-encoder-secret', 'num.partitions': '1' });
  port = Number(b.props.listeners!.split(':').at(-1));
  values = dynamicValues(b.props.listeners!);
  broker = startBroker(b);
  await broker.waitForLog(started);
  zks = await inspectZk(zk, b.chroot);
});
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

/** The broker is up and serves: Metadata answers, and a record produced through kcat comes back. */
async function assertServes(topic: string): Promise<void> {
  expect(broker.exited, broker.tail()).toBe(false);
  const c = await RawClient.open(port);
  try {
    const md = await c.send(ApiKey.Metadata, 1, { topics: null });
    expect(md.brokers.map((x) => x.nodeId)).toEqual([1]);
  } finally { c.close(); }
  const bootstrap = `127.0.0.1:${port}`;
  const p = await runCommand('kcat', ['-b', bootstrap, '-P', '-t', topic, '-X', 'topic.metadata.refresh.interval.ms=200'], `${topic}-record\n`);
  expect(p.code, p.stderr).toBe(0);
  const f = await runCommand('kcat', ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-c', '1', '-e', '-q']);
  expect(f.code, f.stderr).toBe(0);
  expect(f.stdout.trim()).toBe(`${topic}-record`);
}

const ignoredWarnings = (p: BrokerProcess, from = 0) =>
  p.logs.slice(from).filter((l) => l.level === 40 && typeof l.msg === 'string' && /^(Ignoring|No effect of) dynamic broker config /.test(l.msg));
const warned = (p: BrokerProcess, znode: string, key: string, from = 0) => ignoredWarnings(p, from).filter((l) => l.znode === znode && l.key === key);

/** Waits until every (znode, key) has been warned about, then checks each was warned about exactly once. */
async function expectOneWarningEach(p: BrokerProcess, expected: Array<[string, string]>, from: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (const [znode, key] of expected) {
    await p.waitForLog((l) => l.znode === znode && l.key === key && l.level === 40 && p.logs.indexOf(l) >= from, Math.max(1, deadline - Date.now()))
      .catch((e: Error) => { throw new Error(`no warning for ${key} in ${znode}: ${e.message}`); });
  }
  for (const [znode, key] of expected) expect(warned(p, znode, key, from).length, `${znode} ${key}`).toBe(1);
}

const noPasswordLogged = (p: BrokerProcess) => {
  const leaked = p.logs.filter((l) => JSON.stringify(l).includes(PASSWORD));
  expect(leaked.map((l) => l.msg)).toEqual([]);
};

describe('issue 10: dynamic broker configs never stop the broker', () => {
  it('the test covers exactly Kafka 3.7\'s dynamic broker keys', () => {
    expect(Object.keys(dynamicValues('PLAINTEXT://h:1')).sort()).toEqual([...KAFKA_DYNAMIC_BROKER_CONFIGS.keys()].sort());
  });

  it('through AlterConfigs / IncrementalAlterConfigs, per broker and <default>: Kafka\'s answers, and the broker keeps serving', async () => {
    const c = await RawClient.open(port);
    const from = broker.logs.length;
    try {
      const keys = Object.keys(values);
      // per broker, every key (the keystore ones with the listener prefix Kafka requires): accepted
      const perBroker = Object.fromEntries(keys.map((k) => [isPrefixOnly(k) ? `listener.name.plaintext.${k}` : k, values[k]!]));
      const inc = await c.send(ApiKey.IncrementalAlterConfigs, 1, { validateOnly: false, resources: [{ resourceType: BROKER, resourceName: '1',
        configs: [...Object.entries(perBroker), ...Object.entries(UNKNOWN)].map(([name, value]) => ({ name, configOperation: SET, value })) }] });
      expect(inc.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
      // <default>, the cluster-wide keys: accepted
      const clusterWide = keys.filter((k) => !perBrokerOnly(k));
      const legacy = await c.send(ApiKey.AlterConfigs, 1, { validateOnly: false, resources: [{ resourceType: BROKER, resourceName: '',
        configs: [...clusterWide.map((k) => ({ name: k, value: values[k]! })), ...Object.entries(UNKNOWN_AT_DEFAULT).map(([name, value]) => ({ name, value }))] }] });
      expect(legacy.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
      // refused as Kafka refuses them: per-broker keys at <default>, keystore keys without the prefix, read-only keys, bad values
      const one = async (resourceName: string, name: string, value: string) =>
        (await c.send(ApiKey.AlterConfigs, 1, { validateOnly: false, resources: [{ resourceType: BROKER, resourceName, configs: [{ name, value }] }] })).responses[0]!;
      for (const k of keys.filter((x) => perBrokerOnly(x) && !isPrefixOnly(x))) {
        expect(await one('', k, values[k]!), k).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `Cannot update these configs at default cluster level, broker id must be specified: Set(${k})` });
      }
      for (const k of keys.filter(isPrefixOnly)) {
        expect(await one('1', k, values[k]!), k).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
          errorMessage: `These security configs can be dynamically updated only per-listener using the listener prefix: Set(${k})` });
      }
      for (const [k, v] of Object.entries(READ_ONLY)) {
        for (const entity of ['1', '']) {
          expect(await one(entity, k, v), `${entity} ${k}`).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Cannot update these configs dynamically: Set(${k})` });
        }
      }
      expect(await one('', 'listener.name.plaintext.bogus.key', 'z')).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: 'Cannot update these configs at default cluster level, broker id must be specified: Set(listener.name.plaintext.bogus.key)' });
      for (const [k, v] of Object.entries(BAD_VALUES)) {
        expect(await one('1', k, v), k).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: expect.stringMatching(new RegExp(`^Invalid value ${v} for configuration ${k}`)) });
      }
    } finally { c.close(); }

    // The notifications were processed: the implemented keys applied, the others skipped with one warning each.
    await broker.waitForLog((l) => l.msg === 'Applied dynamic broker config' && (l.changed as Record<string, string>)['num.io.threads'] === '10', 20_000);
    // issue 15: the components took them (LogManager.resizeRecoveryThreadPool, LogCleaner.reconfigure's backoff)
    await broker.waitForLog((l) => l.msg === 'Resizing recovery thread pool size for each data dir from 1 to 2', 10_000);
    await broker.waitForLog((l) => l.msg === 'Updated log.cleaner.backoff.ms to 10000 (a dynamic change)', 10_000);
    // Kafka keys Rafka's table lacks (sasl.kerberos.*, ssl.provider, the throttles, ...), table keys marked not
    // implemented (num.io.threads, ssl.*, ...) and the custom ones
    const notImplemented = (names: string[]) => names.filter((k) => !configKey(baseConfigName(k))?.implemented);
    const perBrokerNames = [...Object.keys(values).map((k) => (isPrefixOnly(k) ? `listener.name.plaintext.${k}` : k)), ...Object.keys(UNKNOWN)];
    const defaultNames = [...Object.keys(values).filter((k) => !perBrokerOnly(k)), ...Object.keys(UNKNOWN_AT_DEFAULT)];
    expect(notImplemented(perBrokerNames)).toEqual(expect.arrayContaining(['sasl.kerberos.min.time.before.relogin', 'leader.replication.throttled.rate', 'cleanup.policy', 'num.io.threads']));
    expect(warned(broker, '/config/brokers/1', 'leader.replication.throttled.rate', from)).toEqual([]);
    expect(notImplemented(perBrokerNames)).not.toContain('log.retention.ms');
    await expectOneWarningEach(broker, [
      // the replication throttle rates are outside the table but applied from a broker's own entity (ReplicationQuotas)
      ...notImplemented(perBrokerNames).filter((k) => !REPLICATION_THROTTLE_RATES.includes(k)).map((k) => ['/config/brokers/1', k] as [string, string]),
      ...notImplemented(defaultNames).map((k) => ['/config/brokers/<default>', k] as [string, string]),
    ], from);
    await assertServes('after-api');
    noPasswordLogged(broker);
  });

  it("the issue's reproduction with kafkajs: alterConfigs of sasl.kerberos.min.time.before.relogin, and kafkajs's own cleanup.policy on a broker", async () => {
    const kafka = new Kafka({ clientId: 'issue-10', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
    const admin = kafka.admin();
    await admin.connect();
    const from = broker.logs.length;
    try {
      const r = await admin.alterConfigs({ validateOnly: false, resources: [
        { type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'sasl.kerberos.min.time.before.relogin', value: '58001' }, { name: 'cleanup.policy', value: 'compact' }] },
      ] });
      expect(r.resources).toEqual([expect.objectContaining({ errorCode: 0, resourceName: '1' })]);
      // the reload skips both with one warning each (where the broker used to exit 1), then serves
      await expectOneWarningEach(broker, [['/config/brokers/1', 'sasl.kerberos.min.time.before.relogin'], ['/config/brokers/1', 'cleanup.policy']], from);
      await assertServes('after-kafkajs');
      expect(broker.logs.slice(from).filter((l) => l.level >= 50)).toEqual([]);
    } finally { await admin.disconnect(); }
  });

  // Issue 15 (AA): Kafka's DynamicListenerConfig — a listener added at runtime serves and is registered; removed, its
  // port and connections close; the inter-broker listener cannot go.
  it('listeners added and removed at runtime: bound, registered, served to kcat; removed: connections closed, port refused', async () => {
    const original = b.props.listeners!;
    const map = 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,EXTRA:PLAINTEXT';
    const c = await RawClient.open(port);
    const set = (configs: Record<string, string>) => c.send(ApiKey.IncrementalAlterConfigs, 1, { validateOnly: false,
      resources: [{ resourceType: BROKER, resourceName: '1', configs: Object.entries(configs).map(([name, value]) => ({ name, configOperation: SET, value })) }] });
    const kcatBrokers = async (p: number) => (await runCommand('kcat', ['-L', '-b', `127.0.0.1:${p}`, '-m', '5'])).stdout;
    const from = broker.logs.length;
    let extra: Socket | null = null;
    try {
      // the inter-broker listener (PLAINTEXT) cannot be removed: KafkaConfig's own check, as Kafka answers it
      const refused = await set({ listeners: 'EXTRA://127.0.0.1:0', 'advertised.listeners': 'EXTRA://127.0.0.1:0', 'listener.security.protocol.map': map });
      expect(refused.responses[0]).toMatchObject({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: expect.stringMatching(/inter\.broker\.listener\.name must be a listener name defined in advertised\.listeners/) });
      const protocolChange = await set({ 'listener.security.protocol.map': map.replace('PLAINTEXT:PLAINTEXT', 'PLAINTEXT:SSL') });
      expect(protocolChange.responses[0]!.errorCode).toBe(ErrorCode.INVALID_REQUEST);

      const added = await set({ listeners: `${original},EXTRA://127.0.0.1:0`, 'advertised.listeners': `${original},EXTRA://127.0.0.1:0`, 'listener.security.protocol.map': map });
      expect(added.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
      const listening = await broker.waitForLog((l) => l.listener === 'EXTRA' && /^Listening on EXTRA:/.test(l.msg) && broker.logs.indexOf(l) >= from, 20_000);
      const extraPort = listening.port as number;
      await broker.waitForLog((l) => /^Updated broker info at \/brokers\/ids\/1/.test(l.msg) && broker.logs.indexOf(l) >= from, 20_000);
      // /brokers/ids/1 and the Metadata a client gets through the new listener name the new endpoint
      const znode = JSON.parse((await zks.getData('/brokers/ids/1')).data!.toString());
      expect(znode.endpoints).toEqual([original, `EXTRA://127.0.0.1:${extraPort}`]);
      await eventually(async () => (await kcatBrokers(extraPort)).includes(`broker 1 at 127.0.0.1:${extraPort}`), 15_000, 'Metadata on EXTRA names 127.0.0.1:extraPort');
      const produced = await runCommand('kcat', ['-b', `127.0.0.1:${extraPort}`, '-P', '-t', 'via-extra'], 'through-extra\n');
      expect(produced.code, produced.stderr).toBe(0);
      const consumed = await runCommand('kcat', ['-b', `127.0.0.1:${extraPort}`, '-C', '-t', 'via-extra', '-o', 'beginning', '-c', '1', '-e', '-q']);
      expect(consumed.stdout.trim()).toBe('through-extra');
      extra = connect(extraPort, '127.0.0.1');
      await new Promise<void>((resolve, reject) => { extra!.once('connect', resolve); extra!.once('error', reject); });
      const extraClosed = new Promise<void>((r) => extra!.once('close', () => r()));

      // removed: the open connection is closed, the port refuses, the registration and Metadata drop the endpoint
      const removed = await set({ listeners: original, 'advertised.listeners': original });
      expect(removed.responses[0]).toMatchObject({ errorCode: 0, errorMessage: null });
      await extraClosed;
      await broker.waitForLog((l) => l.msg === 'Removed listener EXTRA: its acceptor and connections are closed' && broker.logs.indexOf(l) >= from, 20_000);
      const refusedConnect = await new Promise<string>((resolve) => { const s = connect(extraPort, '127.0.0.1'); s.once('connect', () => { s.destroy(); resolve('connected'); }); s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message)); });
      expect(refusedConnect).toBe('ECONNREFUSED');
      await eventually(async () => JSON.parse((await zks.getData('/brokers/ids/1')).data!.toString()).endpoints.length === 1, 15_000, '/brokers/ids/1 without EXTRA');
      await eventually(async () => { const md = await c.send(ApiKey.Metadata, 1, { topics: null }); return md.brokers.length === 1 && md.brokers[0]!.port === port; }, 15_000, 'Metadata on PLAINTEXT');
      expect(broker.exited).toBe(false);
    } finally { c.close(); extra?.destroy(); }
  }, 60_000);

  it('written straight into ZooKeeper (kafka-configs.sh, a hand edit): skipped with one warning each; serves; restarts', async () => {
    const from = broker.logs.length;
    const write = async (entityPath: string, config: Record<string, string>) => {
      const path = `/config/${entityPath}`;
      const data = Buffer.from(JSON.stringify({ version: 1, config }));
      if (await zks.exists(path)) await zks.setData(path, data); else { await zks.mkdirp(path.slice(0, path.lastIndexOf('/'))); await zks.create(path, data); }
      await zks.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: entityPath })), CreateMode.PERSISTENT_SEQUENTIAL);
    };
    // every dynamic key unprefixed (passwords not encoded, keystore keys without their prefix), read-only and unknown keys
    // (the unknown keys with other values than the API test stored: an entry already reported is not reported again)
    const unknownHere = Object.fromEntries(Object.entries(UNKNOWN).map(([k, v]) => [k, `${v}-zk`]));
    const everything = { ...values, ...READ_ONLY, ...unknownHere };
    await write('brokers/1', everything);
    await write('brokers/<default>', { ...everything, ...BAD_VALUES });
    // a topic's overrides with unknown keys, broker keys and bad values
    const c = await RawClient.open(port);
    try {
      const ct = await c.send(ApiKey.CreateTopics, 4, { timeoutMs: 10_000, validateOnly: false, topics: [{ name: 'hand-edited', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }] });
      expect(ct.topics[0]!.errorCode).toBe(0);
    } finally { c.close(); }
    const topicEntries = { 'retention.ms': 'soon', 'no.such.topic.key': '1', 'num.io.threads': '3', 'cleanup.policy': 'shred', 'segment.bytes': '1048576' };
    const topicSkipped = ['retention.ms', 'no.such.topic.key', 'num.io.threads', 'cleanup.policy'];
    await write('topics/hand-edited', topicEntries);

    const expected: Array<[string, string]> = [
      ...Object.keys(READ_ONLY).flatMap((k) => [['/config/brokers/1', k], ['/config/brokers/<default>', k]] as Array<[string, string]>),
      ...Object.keys(UNKNOWN).flatMap((k) => [['/config/brokers/1', k], ['/config/brokers/<default>', k]] as Array<[string, string]>),
      ...[...KAFKA_LISTENER_PREFIX_ONLY_CONFIGS].flatMap((k) => [['/config/brokers/1', k], ['/config/brokers/<default>', k]] as Array<[string, string]>),
      ...Object.keys(values).filter(perBrokerOnly).filter((k) => !isPrefixOnly(k)).map((k) => ['/config/brokers/<default>', k] as [string, string]),
      ...Object.keys(BAD_VALUES).map((k) => ['/config/brokers/<default>', k] as [string, string]),
    ];
    await expectOneWarningEach(broker, expected, from);
    const badValue = warned(broker, '/config/brokers/<default>', 'log.cleanup.policy', from)[0]!;
    expect(badValue).toMatchObject({ value: 'shred', reason: expect.stringMatching(/^Invalid value shred for configuration log.cleanup.policy/) });
    expect(warned(broker, '/config/brokers/1', 'broker.id', from)[0]!.msg).toMatch(/^Ignoring dynamic broker config broker.id=7 in \/config\/brokers\/1: .*read-only/);
    // the topic's change is processed too, its bad entries skipped with one warning each; the broker serves
    await broker.waitForLog((l) => l.msg === 'Processed topic config change for hand-edited' && (l.overrides as Record<string, string>)['retention.ms'] === 'soon', 20_000);
    const topicWarnings = (p: BrokerProcess, since: number) => p.logs.slice(since).filter((l) => l.level === 40 && l.znode === '/config/topics/hand-edited');
    expect(topicWarnings(broker, from).map((l) => l.key).sort()).toEqual([...topicSkipped].sort());
    expect(broker.logs.slice(from).filter((l) => /^Invalid topic config/.test(l.msg))).toEqual([]); // filtered before the LogManager
    await assertServes('after-zk');

    // The same notification again: nothing new to report.
    const before = ignoredWarnings(broker).length;
    const again = broker.logs.length;
    await write('brokers/1', { ...everything, 'log.cleaner.backoff.ms': '10001' });
    await write('topics/hand-edited', topicEntries);
    await broker.waitForLog((l) => l.msg === 'Applied dynamic broker config' && (l.changed as Record<string, string>)['log.cleaner.backoff.ms'] === '10001' && broker.logs.indexOf(l) >= again, 20_000);
    await broker.waitForLog((l) => l.msg === 'Updated log.cleaner.backoff.ms to 10001 (a dynamic change)' && broker.logs.indexOf(l) >= again, 10_000);
    await broker.waitForLog((l) => l.msg === 'Processed topic config change for hand-edited' && broker.logs.indexOf(l) >= again, 20_000);
    expect(ignoredWarnings(broker).length).toBe(before);
    expect(topicWarnings(broker, again)).toEqual([]);
    noPasswordLogged(broker);

    // Everything still in ZooKeeper: the broker restarts, warning once per entry.
    expect(await broker.stop()).toBe(0);
    broker = startBroker(b);
    await broker.waitForLog(started, 30_000);
    for (const [znode, key] of expected) expect(warned(broker, znode, key).length, `${znode} ${key}`).toBe(1);
    await assertServes('after-restart');
    expect(topicWarnings(broker, 0).map((l) => l.key).sort()).toEqual([...topicSkipped].sort());
    noPasswordLogged(broker);
    expect(broker.logs.filter((l) => l.level >= 50).map((l) => l.msg)).toEqual([]);
  });
});
