/**
 * Security listeners with real clients, one ZooKeeper and one broker for the whole file (certificates made with
 * openssl in the test): PLAINTEXT (inter-broker), SSL with a PKCS12 key store, and MTLS (an SSL listener through
 * listener.security.protocol.map) with an inline PEM key store, a PEM trust store and ssl.client.auth=required.
 * kcat (librdkafka) and kafkajs produce and consume over TLS; a client without a certificate, one with a certificate
 * of an untrusted CA, a plaintext client on a TLS port and a TLS client on the plaintext port each fail, are logged
 * once with the client address, and the broker keeps serving. No key store password reaches the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { brokerConfig, cleanupAll, runCommand, startBroker, started, tempDir, type TestBroker } from './support.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let certs: TestCerts;
const port: Record<string, number> = {};
const addr = (l: string) => `127.0.0.1:${port[l]}`;

beforeAll(async () => {
  const dir = await tempDir('rafka-sec-');
  [zk, certs] = await Promise.all([startZooKeeper(), makeTestCerts(dir)]);
  for (const l of ['PLAINTEXT', 'SSL', 'MTLS']) port[l] = await freePort();
  b = await brokerConfig(zk, {
    'num.partitions': '1', 'auto.create.topics.enable': 'true',
    listeners: `PLAINTEXT://${addr('PLAINTEXT')},SSL://${addr('SSL')},MTLS://${addr('MTLS')}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL',
    'listener.name.ssl.ssl.keystore.type': 'PKCS12', 'listener.name.ssl.ssl.keystore.location': certs.brokerP12, 'listener.name.ssl.ssl.keystore.password': certs.brokerP12Password,
    'listener.name.mtls.ssl.keystore.type': 'PEM',
    'listener.name.mtls.ssl.keystore.certificate.chain': readFileSync(certs.brokerCertPem, 'utf8'),
    'listener.name.mtls.ssl.keystore.key': readFileSync(certs.brokerKeyPem, 'utf8'),
    'listener.name.mtls.ssl.truststore.type': 'PEM', 'listener.name.mtls.ssl.truststore.location': certs.caPem,
    'listener.name.mtls.ssl.client.auth': 'required',
    'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),.*$/$1/L,DEFAULT',
  });
  broker = startBroker(b);
  await broker.waitForLog(started, 60_000);
}, 90_000);
afterAll(async () => { await stopAllBrokers(); await cleanupAll(); await zk?.close(); });

const kcat = (listener: string, args: string[], input?: string, x: string[] = []) =>
  runCommand('kcat', ['-b', addr(listener), ...x.flatMap((o) => ['-X', o]), ...args], input, 30_000);
const tls = (extra: string[] = []) => ['security.protocol=ssl', `ssl.ca.location=${certs.caPem}`, ...extra];
const mtls = () => tls([`ssl.certificate.location=${certs.clientCertPem}`, `ssl.key.location=${certs.clientKeyPem}`]);

/** Waits for a log line matching `re` and returns all such lines seen so far. */
async function logged(re: RegExp): Promise<string[]> {
  await broker.waitForLog((l) => re.test(l.msg), 15_000);
  return broker.logs.filter((l) => re.test(l.msg)).map((l) => l.msg);
}

describe('SSL listener (PKCS12 key store)', () => {
  it('kcat produces and consumes over TLS and sees the SSL endpoint in Metadata', async () => {
    const p = await kcat('SSL', ['-P', '-t', 'tls-kcat'], 'a\nb\nc\n', tls());
    expect(p.code, p.stderr).toBe(0);
    const c = await kcat('SSL', ['-C', '-t', 'tls-kcat', '-e', '-o', 'beginning'], undefined, tls());
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toEqual(['a', 'b', 'c']);
    const m = await kcat('SSL', ['-L', '-J'], undefined, tls());
    expect(JSON.parse(m.stdout).brokers).toEqual([{ id: 1, name: addr('SSL') }]);
  });

  it('kafkajs produces over TLS (kcat reads it back)', async () => {
    const kafka = new Kafka({ clientId: 'tls-js', brokers: [addr('SSL')], logLevel: logLevel.NOTHING, ssl: { ca: [readFileSync(certs.caPem, 'utf8')] }, retry: { retries: 5 } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'tls-js', acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ value: `v${i}` })) });
    await producer.disconnect();
    const c = await kcat('SSL', ['-C', '-t', 'tls-js', '-e', '-o', 'beginning'], undefined, tls());
    const got = c.stdout.trim().split('\n');
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `v${i}`));
  });

  it('a plaintext client on the TLS port fails, logged once as a failed SSL handshake, broker unharmed', async () => {
    const r = await kcat('SSL', ['-L', '-m', '1'], undefined, ['socket.timeout.ms=3000', 'retries=0']);
    expect(r.code).not.toBe(0);
    const lines = await logged(/^Failed authentication with \/127\.0\.0\.1 \(SSL handshake failed/);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect((await kcat('SSL', ['-L'], undefined, tls())).code).toBe(0);
  });

  it('a TLS client on the plaintext port fails with a clear close reason', async () => {
    const r = await kcat('PLAINTEXT', ['-L', '-m', '1'], undefined, tls(['socket.timeout.ms=3000']));
    expect(r.code).not.toBe(0);
    await logged(/^Closing connection PLAINTEXT-\d+: request of \d+ bytes is larger than socket.request.max.bytes/);
    expect((await kcat('PLAINTEXT', ['-L'])).code).toBe(0);
  });
});

describe('MTLS listener (inline PEM key store, ssl.client.auth=required)', () => {
  it('a client certificate signed by the trusted CA gets through', async () => {
    const p = await kcat('MTLS', ['-P', '-t', 'mtls-topic'], 'x\n', mtls());
    expect(p.code, p.stderr).toBe(0);
    const c = await kcat('MTLS', ['-C', '-t', 'mtls-topic', '-e', '-o', 'beginning'], undefined, mtls());
    expect(c.stdout.trim()).toBe('x');
  });

  it('no client certificate, or one from an untrusted CA: the handshake fails and is logged with the client address', async () => {
    const before = broker.logs.filter((l) => /^Failed authentication/.test(l.msg)).length;
    const none = await kcat('MTLS', ['-L', '-m', '1'], undefined, tls(['retries=0']));
    expect(none.code).not.toBe(0);
    const rogue = await kcat('MTLS', ['-L', '-m', '1'], undefined, tls([`ssl.certificate.location=${certs.rogueCertPem}`, `ssl.key.location=${certs.rogueKeyPem}`]));
    expect(rogue.code).not.toBe(0);
    await broker.waitForLog(() => broker.logs.filter((l) => /^Failed authentication with \/127\.0\.0\.1 \(SSL handshake failed/.test(l.msg)).length >= before + 2, 15_000);
    expect((await kcat('MTLS', ['-L'], undefined, mtls())).code).toBe(0);
  });
});

describe('secrets in logs', () => {
  it('the key store password and the private key never appear in any log line', () => {
    const all = broker.logs.map((l) => JSON.stringify(l)).join('\n') + broker.tail();
    expect(all).not.toContain(certs.brokerP12Password);
    const keyBody = readFileSync(certs.brokerKeyPem, 'utf8').split('\n')[1]!;
    expect(all).not.toContain(keyBody);
    expect(all.length).toBeGreaterThan(1000);
  });
});
