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
import { writeFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { startZooKeeper, freePort, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { spawnBroker, stopAllBrokers, type BrokerProcess } from '../helpers/broker-process.js';
import { makeTestCerts, type TestCerts } from '../helpers/certs.js';
import { brokerConfig, cleanupAll, eventually, inspectZk, runCommand, started, tempDir, type TestBroker } from './support.js';
import { CreateMode, type ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { SCRAM_SHA_256, SCRAM_SHA_512, credentialFromPassword, credentialFromSaltedPassword, formatScramCredential, saltedPassword } from '../../src/services/security/scram.js';
import { connect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { encodeRequest } from '../../src/protocol/frame.js';

let zk: ZooKeeperServer;
let b: TestBroker;
let broker: BrokerProcess;
let certs: TestCerts;
let zks: ZkSession;
const ADMIN_PASSWORD = 'admin-Pw-7f3a9';
const ALICE_PASSWORD = 'alice-Pw-91b2c';
const BOB_PASSWORD = 'bob-Scram-5e8d1';
const WRONG_PASSWORD = 'wrong-Pw-0c4e7';
const CAROL_PASSWORD = 'carol-Scram-2d6b4';
const ZK_PASSWORD = 'zk-Digest-8a1f3';
const port: Record<string, number> = {};
const addr = (l: string) => `127.0.0.1:${port[l]}`;

beforeAll(async () => {
  const dir = await tempDir('rafka-sec-');
  [zk, certs] = await Promise.all([startZooKeeper(), makeTestCerts(dir)]);
  // zookeeper.set.acl=true with the broker's ZooKeeper login in a JAAS file named by KAFKA_OPTS, as Kafka deployments do
  const jaas = `${dir}/zk-jaas.conf`;
  await writeFile(jaas, `Client {\n  org.apache.zookeeper.server.auth.DigestLoginModule required\n  username="kafka"\n  password="${ZK_PASSWORD}";\n};\n`);
  for (const l of ['PLAINTEXT', 'SSL', 'MTLS', 'SASL_PLAINTEXT', 'SASL_SSL', 'REAUTH']) port[l] = await freePort();
  b = await brokerConfig(zk, {
    'num.partitions': '1', 'auto.create.topics.enable': 'true',
    listeners: `PLAINTEXT://${addr('PLAINTEXT')},SSL://${addr('SSL')},MTLS://${addr('MTLS')},SASL_PLAINTEXT://${addr('SASL_PLAINTEXT')},SASL_SSL://${addr('SASL_SSL')},REAUTH://${addr('REAUTH')}`,
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,MTLS:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,REAUTH:SASL_PLAINTEXT',
    // KIP-368: SCRAM sessions on the REAUTH listener expire after 3 s (only the re-authentication test uses it; the client
    // logs in again at 85-95 %, so a request's trip may take up to 150 ms on a loaded machine before it could meet an expired session)
    'listener.name.reauth.sasl.enabled.mechanisms': 'SCRAM-SHA-512', 'listener.name.reauth.scram-sha-512.connections.max.reauth.ms': '3000',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER',
    'listener.name.sasl_plaintext.plain.sasl.jaas.config': `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="${ADMIN_PASSWORD}" user_admin="${ADMIN_PASSWORD}" user_alice="${ALICE_PASSWORD}";`,
    'listener.name.sasl_ssl.sasl.enabled.mechanisms': 'SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.ssl.keystore.type': 'PEM', 'listener.name.sasl_ssl.ssl.keystore.location': certs.brokerBundlePem,
    'connection.failed.authentication.delay.ms': '300',
    'sasl.server.max.receive.size': '4096',
    // ACLs only where a test writes some; admin is a super user
    'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer', 'allow.everyone.if.no.acl.found': 'true', 'super.users': 'User:admin',
    'listener.name.ssl.ssl.keystore.type': 'PKCS12', 'listener.name.ssl.ssl.keystore.location': certs.brokerP12, 'listener.name.ssl.ssl.keystore.password': certs.brokerP12Password,
    'listener.name.mtls.ssl.keystore.type': 'PEM',
    'listener.name.mtls.ssl.keystore.certificate.chain': readFileSync(certs.brokerCertPem, 'utf8'),
    'listener.name.mtls.ssl.keystore.key': readFileSync(certs.brokerKeyPem, 'utf8'),
    'listener.name.mtls.ssl.truststore.type': 'PEM', 'listener.name.mtls.ssl.truststore.location': certs.caPem,
    'listener.name.mtls.ssl.client.auth': 'required',
    'listener.name.mtls.ssl.principal.mapping.rules': 'RULE:^CN=([^,]+),.*$/$1/L,DEFAULT',
    'zookeeper.set.acl': 'true',
  });
  broker = spawnBroker([b.configPath], { env: { KAFKA_OPTS: `-Xmx512m -Djava.security.auth.login.config=${jaas}` } });
  await broker.waitForLog(started, 60_000);
  // the test writes what kafka-configs.sh / kafka-acls.sh --zookeeper write: logged in as the broker is (same JAAS login)
  zks = await inspectZk(zk, b.chroot);
  zks.client.addAuthInfo('digest', Buffer.from(`kafka:${ZK_PASSWORD}`));
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
    // two failures: two warnings, or (same cause within the warning limiter's interval, J's issue 16) one + its summary
    const failures = () => broker.logs.filter((l) => /^Failed authentication with \/127\.0\.0\.1 \(SSL handshake failed/.test(l.msg)).length +
      broker.logs.filter((l) => /^Suppressed \d+ more warning\(s\) from 127\.0\.0\.1 .*: Failed authentication with \/N\.N\.N\.N \(SSL handshake failed/.test(l.msg))
        .reduce((n, l) => n + Number((l as { suppressed?: number }).suppressed ?? 1), 0);
    const before = failures();
    const none = await kcat('MTLS', ['-L', '-m', '1'], undefined, tls(['retries=0']));
    expect(none.code).not.toBe(0);
    const rogue = await kcat('MTLS', ['-L', '-m', '1'], undefined, tls([`ssl.certificate.location=${certs.rogueCertPem}`, `ssl.key.location=${certs.rogueKeyPem}`]));
    expect(rogue.code).not.toBe(0);
    await broker.waitForLog(() => failures() >= before + 2, 15_000);
    expect((await kcat('MTLS', ['-L'], undefined, mtls())).code).toBe(0);
  });
});

describe('MTLS listener: an expired client certificate (node:tls client: librdkafka does not send an expired certificate)', () => {
  /** One TLS connection to MTLS with `cert`/`key`, an ApiVersions v0 request once TLS is up; resolves with what came back before close. */
  const tlsExchange = (cert: string, key: string) => new Promise<{ data: Buffer; secure: boolean }>((resolve) => {
    const chunks: Buffer[] = [];
    let secure = false;
    const s = tlsConnect({ host: '127.0.0.1', port: port.MTLS!, ca: readFileSync(certs.caPem), cert: readFileSync(cert), key: readFileSync(key), rejectUnauthorized: false });
    const t = setTimeout(() => s.destroy(), 10_000);
    s.on('secureConnect', () => { secure = true; s.write(encodeRequest({ requestApiKey: 18, requestApiVersion: 0, correlationId: 3, clientId: 'expired' }, {})); });
    s.on('data', (c: Buffer) => { chunks.push(c); if (Buffer.concat(chunks).length >= 4 + Buffer.concat(chunks).readInt32BE(0)) s.end(); });
    s.on('error', () => undefined);
    s.on('close', () => { clearTimeout(t); resolve({ data: Buffer.concat(chunks), secure }); });
  });

  it('is refused at the handshake, logged once with the client address and "certificate expired"; a valid client is served right after', async () => {
    const expiredLine = /^Failed authentication with \/127\.0\.0\.1 \(SSL handshake failed: client certificate expired \(notAfter Jan +2 00:00:00 2020 GMT\): CERT_HAS_EXPIRED\)$/;
    const before = broker.logs.filter((l) => expiredLine.test(l.msg)).length;
    const bad = await tlsExchange(certs.expiredCertPem, certs.expiredKeyPem);
    expect(bad.data.length).toBe(0); // no request answered
    await logged(expiredLine);
    const lines = broker.logs.filter((l) => expiredLine.test(l.msg));
    expect(lines.length).toBe(before + 1); // one connection, one line
    expect(lines.at(-1)!.msg).not.toMatch(/BEGIN|PRIVATE/);
    const good = await tlsExchange(certs.clientCertPem, certs.clientKeyPem);
    expect(good.secure).toBe(true);
    expect(good.data.length).toBeGreaterThan(8);
    expect(good.data.readInt32BE(4)).toBe(3); // correlation id of the ApiVersions answer
  });
});

/** What kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=[iterations=4096,password=…]' --entity-type users writes. */
async function addScramUser(user: string, password: string): Promise<void> {
  const config: Record<string, string> = {};
  for (const m of [SCRAM_SHA_256, SCRAM_SHA_512]) config[m.mechanismName] = formatScramCredential(credentialFromPassword(m, password, 4096));
  await zks.mkdirp('/config/users');
  await zks.create(`/config/users/${user}`, Buffer.from(JSON.stringify({ version: 1, config })));
  await zks.create('/config/changes/config_change_', Buffer.from(JSON.stringify({ version: 2, entity_path: `users/${user}` })), CreateMode.PERSISTENT_SEQUENTIAL);
}

const sasl = (protocol: string, mechanism: string, user: string, password: string) => [
  `security.protocol=${protocol}`, `sasl.mechanisms=${mechanism}`, `sasl.username=${user}`, `sasl.password=${password}`,
  ...(protocol === 'SASL_SSL' ? [`ssl.ca.location=${certs.caPem}`] : [])];

/** Sends raw frames to a listener and resolves with what came back before the broker closed the socket. */
function rawExchange(listener: string, frames: Buffer[], waitMs = 10_000): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const sock = connect(port[listener]!, '127.0.0.1');
    const chunks: Buffer[] = [];
    const t = setTimeout(() => { sock.destroy(); resolve({ data: Buffer.concat(chunks), closed: false }); }, waitMs);
    sock.on('connect', () => { for (const f of frames) sock.write(f); });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => undefined);
    sock.on('close', () => { clearTimeout(t); resolve({ data: Buffer.concat(chunks), closed: true }); });
  });
}

describe('SASL_PLAINTEXT (PLAIN users from the JAAS config, SCRAM users from /config/users)', () => {
  it('kcat logs in with PLAIN, produces and consumes', async () => {
    const x = sasl('SASL_PLAINTEXT', 'PLAIN', 'alice', ALICE_PASSWORD);
    const p = await kcat('SASL_PLAINTEXT', ['-P', '-t', 'sasl-plain'], 'p1\np2\n', x);
    expect(p.code, p.stderr).toBe(0);
    const c = await kcat('SASL_PLAINTEXT', ['-C', '-t', 'sasl-plain', '-e', '-o', 'beginning'], undefined, x);
    expect(c.stdout.trim().split('\n')).toEqual(['p1', 'p2']);
  });

  it('a wrong password fails with SASL_AUTHENTICATION_FAILED after the delay; logged with the client address, never the password', async () => {
    const started = Date.now();
    const r = await kcat('SASL_PLAINTEXT', ['-L', '-m', '1'], undefined, [...sasl('SASL_PLAINTEXT', 'PLAIN', 'alice', WRONG_PASSWORD), 'retries=0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Authentication failed: Invalid username or password/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    await logged(/^Failed authentication with \/127\.0\.0\.1 \(Authentication failed: Invalid username or password\)$/);
  });

  it('a SCRAM-SHA-512 user written to /config/users as kafka-configs.sh does can log in once the notification is processed', async () => {
    const x = sasl('SASL_PLAINTEXT', 'SCRAM-SHA-512', 'bob', BOB_PASSWORD);
    const before = await kcat('SASL_PLAINTEXT', ['-L', '-m', '1'], undefined, [...x, 'retries=0']);
    expect(before.code).not.toBe(0);
    expect(before.stderr).toMatch(/Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512/);
    await logged(/^Failed authentication with \/127\.0\.0\.1 \(Authentication failed: Invalid user credentials\)$/);
    await addScramUser('bob', BOB_PASSWORD);
    const deadline = Date.now() + 15_000;
    let r = await kcat('SASL_PLAINTEXT', ['-P', '-t', 'sasl-scram'], 's1\n', x);
    while (r.code !== 0 && Date.now() < deadline) r = await kcat('SASL_PLAINTEXT', ['-P', '-t', 'sasl-scram'], 's1\n', x);
    expect(r.code, r.stderr).toBe(0);
    const c = await kcat('SASL_PLAINTEXT', ['-C', '-t', 'sasl-scram', '-e', '-o', 'beginning'], undefined, x);
    expect(c.stdout.trim()).toBe('s1');
  });

  it('before authentication only ApiVersions and SASL requests: Metadata closes the connection unanswered (ILLEGAL_SASL_STATE)', async () => {
    const metadata = encodeRequest({ requestApiKey: 3, requestApiVersion: 1, correlationId: 7, clientId: 'raw' }, { topics: null });
    const r = await rawExchange('SASL_PLAINTEXT', [metadata]);
    expect(r.closed).toBe(true);
    expect(r.data.length).toBe(0);
    await logged(/SASL authentication of 127\.0\.0\.1:\d+ on SASL_PLAINTEXT failed: Unexpected Kafka request of type 3 during SASL handshake \(ILLEGAL_SASL_STATE/);
  });

  it('malformed SASL frames (truncated handshakes, garbage tokens after a valid handshake) only close their connection', async () => {
    const frame = (body: Buffer) => { const h = Buffer.alloc(4); h.writeInt32BE(body.length); return Buffer.concat([h, body]); };
    let seed = 7;
    const rand = (n: number) => { const b = Buffer.alloc(n); for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) & 0x7fffffff; b[i] = seed & 0xff; } return b; };
    const handshake = encodeRequest({ requestApiKey: 17, requestApiVersion: 1, correlationId: 1, clientId: 'fuzz' }, { mechanism: 'SCRAM-SHA-512' });
    const runs: Array<Promise<unknown>> = [];
    for (let i = 0; i < 30; i++) {
      const head = Buffer.alloc(4);
      head.writeInt16BE([17, 36, 18, 3][i % 4]!);
      head.writeInt16BE(i % 3, 2);
      const garbage = frame(Buffer.concat([head, rand(i * 7)]));
      // a valid v1 handshake, then a SaslAuthenticate whose token is garbage, or a truncated frame
      runs.push(rawExchange('SASL_PLAINTEXT', i % 2 === 0 ? [garbage] : [handshake, garbage], 3000));
    }
    const results = (await Promise.all(runs)) as Array<{ closed: boolean; data: Buffer }>;
    // closed, or answered (an ApiVersions whose body happens to be valid is served, as Kafka does)
    expect(results.every((r) => r.closed || r.data.length > 0)).toBe(true);
    expect(results.filter((r) => r.closed).length).toBeGreaterThan(20);
    expect(broker.exited).toBe(false);
    expect((await kcat('SASL_PLAINTEXT', ['-L'], undefined, sasl('SASL_PLAINTEXT', 'PLAIN', 'admin', ADMIN_PASSWORD))).code).toBe(0);
  });

  it('an oversized frame before authentication closes the connection without reading it (sasl.server.max.receive.size)', async () => {
    const head = Buffer.alloc(4);
    head.writeInt32BE(10 * 1024 * 1024);
    const r = await rawExchange('SASL_PLAINTEXT', [head, Buffer.alloc(1024)]);
    expect(r.closed).toBe(true);
    await logged(/request of 10485760 bytes before SASL authentication is larger than sasl\.server\.max\.receive\.size=4096/);
    expect((await kcat('SASL_PLAINTEXT', ['-L'], undefined, sasl('SASL_PLAINTEXT', 'PLAIN', 'admin', ADMIN_PASSWORD))).code).toBe(0);
  });
});

describe('SASL_SSL (SCRAM over TLS)', () => {
  it('kafkajs logs in with SCRAM-SHA-256 over SASL_SSL and SCRAM-SHA-512 over SASL_PLAINTEXT and produces; kcat with SCRAM-SHA-512 reads it back', async () => {
    const kafka = new Kafka({ clientId: 'sasl-js', brokers: [addr('SASL_SSL')], logLevel: logLevel.NOTHING, ssl: { ca: [readFileSync(certs.caPem, 'utf8')] },
      sasl: { mechanism: 'scram-sha-256', username: 'bob', password: BOB_PASSWORD }, retry: { retries: 5 } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'sasl-ssl-js', acks: -1, messages: [{ value: 'over-sasl-ssl' }] });
    await producer.disconnect();
    const plain = new Kafka({ clientId: 'sasl-js-512', brokers: [addr('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'scram-sha-512', username: 'bob', password: BOB_PASSWORD }, retry: { retries: 5 } }).producer();
    await plain.connect();
    await plain.send({ topic: 'sasl-ssl-js', acks: -1, messages: [{ value: 'over-scram-512' }] });
    await plain.disconnect();
    const c = await kcat('SASL_SSL', ['-C', '-t', 'sasl-ssl-js', '-e', '-o', 'beginning'], undefined, sasl('SASL_SSL', 'SCRAM-SHA-512', 'bob', BOB_PASSWORD));
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout.trim().split('\n')).toEqual(['over-sasl-ssl', 'over-scram-512']);
  });

  it('PLAIN is not enabled on this listener: UNSUPPORTED_SASL_MECHANISM', async () => {
    const r = await kcat('SASL_SSL', ['-L', '-m', '1'], undefined, [...sasl('SASL_SSL', 'PLAIN', 'alice', ALICE_PASSWORD), 'retries=0']);
    expect(r.code).not.toBe(0);
    await logged(/^Failed authentication with \/127\.0\.0\.1 \(Unsupported SASL mechanism PLAIN: enabled are SCRAM-SHA-256, SCRAM-SHA-512\)$/);
  });
});

/** What kafka-acls.sh --authorizer-properties zookeeper.connect=… --add writes: the ACL node, then the change notification. */
async function addAcls(resourceType: string, name: string, patternType: 'LITERAL' | 'PREFIXED', acls: Array<{ principal: string; permissionType: string; operation: string; host: string }>): Promise<void> {
  const path = patternType === 'LITERAL' ? `/kafka-acl/${resourceType}/${name}` : `/kafka-acl-extended/prefixed/${resourceType}/${name}`;
  await zks.mkdirp(path.slice(0, path.lastIndexOf('/')));
  await zks.create(path, Buffer.from(JSON.stringify({ version: 1, acls })));
  if (patternType === 'LITERAL') await zks.create('/kafka-acl-changes/acl_changes_', Buffer.from(`${resourceType}:${name}`), CreateMode.PERSISTENT_SEQUENTIAL);
  else await zks.create('/kafka-acl-extended-changes/acl_changes_', Buffer.from(JSON.stringify({ version: 1, resourceType, name, patternType })), CreateMode.PERSISTENT_SEQUENTIAL);
}

/** kcat produce as `user` (PLAIN alice/admin, SCRAM bob) on the SASL_PLAINTEXT listener, retried until `ok(result)` or a deadline. */
async function produceAs(user: 'alice' | 'bob' | 'admin', topic: string, ok: (r: { code: number; stderr: string }) => boolean) {
  const x = user === 'bob' ? sasl('SASL_PLAINTEXT', 'SCRAM-SHA-512', 'bob', BOB_PASSWORD) : sasl('SASL_PLAINTEXT', 'PLAIN', user, user === 'alice' ? ALICE_PASSWORD : ADMIN_PASSWORD);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await kcat('SASL_PLAINTEXT', ['-P', '-t', topic, '-X', 'message.timeout.ms=3000'], `${user}\n`, x);
    if (ok(r) || Date.now() > deadline) return r;
  }
}

describe('AclAuthorizer (ACLs written to ZooKeeper in Kafka\'s JSON, as kafka-acls.sh does)', () => {
  const ace = (principal: string, operation: string, permissionType = 'Allow') => ({ principal, permissionType, operation, host: '*' });

  it('alice may write topic acl-a but not acl-b (TOPIC_AUTHORIZATION_FAILED); the super user may; Metadata hides acl-b from alice', async () => {
    await addAcls('Topic', 'acl-a', 'LITERAL', [ace('User:alice', 'Write'), ace('User:alice', 'Create')]);
    await addAcls('Topic', 'acl-b', 'LITERAL', [ace('User:bob', 'All')]);
    const a = await produceAs('alice', 'acl-a', (r) => r.code === 0);
    expect(a.code, a.stderr).toBe(0);
    const b = await produceAs('alice', 'acl-b', (r) => /Topic authorization failed/i.test(r.stderr));
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/Topic authorization failed/i);
    expect((await produceAs('admin', 'acl-b', (r) => r.code === 0)).code).toBe(0);
    expect((await produceAs('bob', 'acl-b', (r) => r.code === 0)).code).toBe(0);
    const m = await kcat('SASL_PLAINTEXT', ['-L', '-J'], undefined, sasl('SASL_PLAINTEXT', 'PLAIN', 'alice', ALICE_PASSWORD));
    const names = (JSON.parse(m.stdout).topics as Array<{ topic: string }>).map((t) => t.topic);
    expect(names).toContain('acl-a');
    expect(names).not.toContain('acl-b');
  });

  it('authorized operations (KIP-430) in Metadata, DescribeCluster and CreateTopics\' configs need DESCRIBE_CONFIGS, as alice over PLAIN', async () => {
    const { connectToBroker } = await import('../../src/services/security/client-channel.js');
    const { sendOneRequest } = await import('../../src/services/network/one-in-flight.js');
    const { decodeResponse } = await import('../../src/protocol/frame.js');
    await addAcls('Topic', 'ops-made', 'LITERAL', [ace('User:alice', 'Create')]); // CREATE but no DESCRIBE_CONFIGS
    const s = await connectToBroker('127.0.0.1', port.SASL_PLAINTEXT!, { timeoutMs: 10_000, clientId: 'ops', security: {
      listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'PLAIN', username: 'alice', password: ALICE_PASSWORD } } });
    let correlationId = 100;
    const call = async <K extends 3 | 19 | 60>(apiKey: K, version: number, body: unknown) => {
      const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId: ++correlationId, clientId: 'ops' }, body as never);
      return decodeResponse(await sendOneRequest(s, frame, 10_000, (w) => new Error(w)), apiKey, version).body as any;
    };
    const bits = (...codes: number[]) => codes.reduce((a, c) => a | (1 << c), 0);
    try {
      // acl-a: alice WRITE + CREATE (DESCRIBE implied); no cluster ACLs and allow.everyone.if.no.acl.found: every cluster operation
      const md = await call(3, 9, { topics: [{ name: 'acl-a' }, { name: 'acl-b' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: true });
      expect(md.topics.map((t: any) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([['acl-a', 0, bits(4, 5, 8)], ['acl-b', 29, -2147483648]]);
      expect(md.clusterAuthorizedOperations).toBe(bits(5, 7, 8, 9, 10, 11, 12));
      expect((await call(3, 9, { topics: [{ name: 'acl-a' }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false })).topics[0].topicAuthorizedOperations).toBe(-2147483648);
      expect((await call(60, 0, { includeClusterAuthorizedOperations: true })).clusterAuthorizedOperations).toBe(bits(5, 7, 8, 9, 10, 11, 12));
      // the ACL on ops-made reaches the broker through the notification: polled until CREATE is allowed
      const created = await eventually(async () => {
        const r = await call(19, 7, { topics: [{ name: 'ops-made', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 10_000, validateOnly: false });
        return r.topics[0].errorCode === 29 ? undefined : r.topics[0];
      }, 15_000, 'CREATE on ops-made');
      expect(created).toMatchObject({ name: 'ops-made', errorCode: 0, topicConfigErrorCode: 29, numPartitions: -1, replicationFactor: -1, configs: [], topicId: '00000000-0000-0000-0000-000000000000' });
    } finally {
      s.destroy();
    }
  });

  it('a prefixed ACL and a deny: bob may write pay-* except pay-secret (deny wins)', async () => {
    await addAcls('Topic', 'pay-', 'PREFIXED', [ace('User:bob', 'All')]);
    await addAcls('Topic', 'pay-secret', 'LITERAL', [ace('User:bob', 'Write', 'Deny')]);
    expect((await produceAs('bob', 'pay-eu', (r) => r.code === 0)).code).toBe(0);
    const denied = await produceAs('bob', 'pay-secret', (r) => /Topic authorization failed/i.test(r.stderr));
    expect(denied.stderr).toMatch(/Topic authorization failed/i);
    expect((await produceAs('alice', 'pay-eu', (r) => /Topic authorization failed/i.test(r.stderr))).stderr).toMatch(/Topic authorization failed/i);
  });

  it('a group with ACLs for bob only: alice cannot consume with it (FindCoordinator answers GROUP_AUTHORIZATION_FAILED)', async () => {
    await addAcls('Group', 'g-bob', 'LITERAL', [ace('User:bob', 'Read')]);
    await addAcls('Topic', 'grp-topic', 'LITERAL', [ace('User:bob', 'All'), ace('User:alice', 'All')]);
    expect((await produceAs('bob', 'grp-topic', (r) => r.code === 0)).code).toBe(0);
    const kafkaAs = (user: string, password: string, mechanism: 'plain' | 'scram-sha-512') => new Kafka({ clientId: `acl-${user}`, brokers: [addr('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING,
      sasl: { mechanism, username: user, password } as never, retry: { retries: 0 } });
    const alice = kafkaAs('alice', ALICE_PASSWORD, 'plain').consumer({ groupId: 'g-bob' });
    await alice.connect();
    await expect(alice.subscribe({ topic: 'grp-topic', fromBeginning: true }).then(() => new Promise<void>((resolve, reject) => {
      alice.on(alice.events.CRASH, (e) => reject(e.payload.error));
      void alice.run({ eachMessage: async () => resolve() }).catch(reject);
    }))).rejects.toThrow(/Failed to find group coordinator|not authorized to access group/i); // FindCoordinator: GROUP_AUTHORIZATION_FAILED
    await alice.disconnect();
  });
});

describe('ACL admin APIs (CreateAcls / DescribeAcls / DeleteAcls, as kafka-acls.sh --bootstrap-server)', () => {
  it('the super user creates, describes and deletes ACLs with kafkajs; a created ACL takes effect on alice\'s produce', async () => {
    const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = await import('kafkajs');
    const admin = new Kafka({ clientId: 'acl-admin', brokers: [addr('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'plain', username: 'admin', password: ADMIN_PASSWORD }, retry: { retries: 3 } }).admin();
    await admin.connect();
    try {
      const acl = (principal: string, operation: number) => ({ resourceType: AclResourceTypes.TOPIC, resourceName: 'acl-api', resourcePatternType: ResourcePatternTypes.LITERAL,
        principal, host: '*', operation, permissionType: AclPermissionTypes.ALLOW });
      await admin.createAcls({ acl: [acl('User:bob', AclOperationTypes.ALL)] });
      const denied = await produceAs('alice', 'acl-api', (r) => /Topic authorization failed/i.test(r.stderr));
      expect(denied.stderr).toMatch(/Topic authorization failed/i);
      await admin.createAcls({ acl: [acl('User:alice', AclOperationTypes.WRITE), acl('User:alice', AclOperationTypes.CREATE)] });
      const allowed = await produceAs('alice', 'acl-api', (r) => r.code === 0);
      expect(allowed.code, allowed.stderr).toBe(0);
      const filter = { resourceType: AclResourceTypes.TOPIC, resourceName: 'acl-api', resourcePatternType: ResourcePatternTypes.MATCH,
        operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY };
      const described = await admin.describeAcls(filter);
      expect(described.resources.map((r) => [r.resourceName, r.acls.map((a) => [a.principal, a.operation]).sort()])).toEqual([
        ['acl-api', [['User:alice', AclOperationTypes.WRITE], ['User:alice', AclOperationTypes.CREATE], ['User:bob', AclOperationTypes.ALL]].sort()],
      ]);
      const deleted = await admin.deleteAcls({ filters: [{ ...filter, resourcePatternType: ResourcePatternTypes.ANY, principal: 'User:alice' }] });
      expect(deleted.filterResponses[0]!.errorCode).toBe(0);
      expect(deleted.filterResponses[0]!.matchingAcls.map((a) => a.operation).sort()).toEqual([AclOperationTypes.WRITE, AclOperationTypes.CREATE].sort());
      const after = await admin.describeAcls(filter);
      expect(after.resources.flatMap((r) => r.acls.map((a) => a.principal))).toEqual(['User:bob']);
      expect(JSON.parse((await zks.getData('/kafka-acl/Topic/acl-api')).data!.toString()).acls).toEqual([{ principal: 'User:bob', permissionType: 'Allow', operation: 'All', host: '*' }]);
      const deniedAgain = await produceAs('alice', 'acl-api', (r) => /Topic authorization failed/i.test(r.stderr));
      expect(deniedAgain.stderr).toMatch(/Topic authorization failed/i);
    } finally {
      await admin.disconnect();
    }
  });
});

describe('SCRAM admin APIs (Describe/AlterUserScramCredentials, KIP-554)', () => {
  it('@platformatic/kafka as the super user adds a SCRAM-SHA-512 user: /config/users in Kafka\'s format, kcat logs in with it; describe and delete', async () => {
    const { Connection, alterUserScramCredentialsV0, describeUserScramCredentialsV0 } = await import('@platformatic/kafka');
    const conn = new Connection('scram-admin', { sasl: { mechanism: 'PLAIN', username: 'admin', password: ADMIN_PASSWORD } } as never);
    await conn.connect('127.0.0.1', port.SASL_PLAINTEXT!);
    try {
      const salt = Buffer.from('a-salt-of-16-bytes');
      const salted = saltedPassword(SCRAM_SHA_512, CAROL_PASSWORD, salt, 4096);
      const altered = await alterUserScramCredentialsV0.api.async(conn, [], [{ name: 'carol', mechanism: 2, iterations: 4096, salt, saltedPassword: salted }]);
      expect(altered.results).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null }]);
      // the test's own ZooKeeper session may see CONNECTION_LOSS on a loaded machine: retried until the deadline
      const stored = await eventually(() => zks.getData('/config/users/carol'), 20_000, '/config/users/carol readable');
      const node = JSON.parse(stored.data!.toString()) as { version: number; config: Record<string, string> };
      expect(node.version).toBe(1);
      expect(node.config['SCRAM-SHA-512']).toBe(formatScramCredential(credentialFromSaltedPassword(SCRAM_SHA_512, salted, salt, 4096)));
      // the notification reaches the credential cache: carol can log in (polled: the broker applies it asynchronously)
      const x = sasl('SASL_PLAINTEXT', 'SCRAM-SHA-512', 'carol', CAROL_PASSWORD);
      const deadline = Date.now() + 15_000;
      let r = await kcat('SASL_PLAINTEXT', ['-L', '-t', 'sasl-plain'], undefined, [...x, 'retries=0']);
      while (r.code !== 0 && Date.now() < deadline) r = await kcat('SASL_PLAINTEXT', ['-L', '-t', 'sasl-plain'], undefined, [...x, 'retries=0']);
      expect(r.code, r.stderr).toBe(0);
      const described = await describeUserScramCredentialsV0.api.async(conn, [{ name: 'carol' }]);
      expect(described.results).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null, credentialInfos: [{ mechanism: 2, iterations: 4096 }] }]);
      const deleted = await alterUserScramCredentialsV0.api.async(conn, [{ name: 'carol', mechanism: 2 }], []);
      expect(deleted.results).toEqual([{ user: 'carol', errorCode: 0, errorMessage: null }]);
      await expect(describeUserScramCredentialsV0.api.async(conn, [{ name: 'carol' }])).rejects.toMatchObject({
        response: { results: [{ user: 'carol', errorCode: 91, errorMessage: 'Attempt to describe a user credential that does not exist: carol' }] } });
    } finally {
      await conn.close();
    }
  });
});

describe('inter-broker client side (security/client-channel.ts: what the controller channel and replica fetchers use)', () => {
  it('connectToBroker logs in with SCRAM-SHA-512 over SASL_SSL and with PLAIN over SASL_PLAINTEXT, then serves requests; a wrong password or an untrusted CA fails with the reason', async () => {
    const { connectToBroker } = await import('../../src/services/security/client-channel.js');
    const { sendOneRequest } = await import('../../src/services/network/one-in-flight.js');
    const { decodeResponse } = await import('../../src/protocol/frame.js');
    const tlsOpts = { ca: readFileSync(certs.caPem, 'utf8'), rejectUnauthorized: true };
    const metadataOver = async (s: import('node:net').Socket) => {
      const frame = encodeRequest({ requestApiKey: 3, requestApiVersion: 1, correlationId: 9, clientId: 'ib' }, { topics: null });
      const body = decodeResponse(await sendOneRequest(s, frame, 10_000, (w) => new Error(w)), 3, 1).body;
      s.destroy();
      return body.brokers.map((b) => b.nodeId);
    };
    const scram = await connectToBroker('127.0.0.1', port.SASL_SSL!, { timeoutMs: 10_000, clientId: 'ib', security: {
      listenerName: 'SASL_SSL', securityProtocol: 'SASL_SSL', tls: tlsOpts, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: BOB_PASSWORD } } });
    expect(await metadataOver(scram)).toEqual([1]);
    const plain = await connectToBroker('127.0.0.1', port.SASL_PLAINTEXT!, { timeoutMs: 10_000, clientId: 'ib', security: {
      listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'PLAIN', username: 'admin', password: ADMIN_PASSWORD } } });
    expect(await metadataOver(plain)).toEqual([1]);
    await expect(connectToBroker('127.0.0.1', port.SASL_PLAINTEXT!, { timeoutMs: 10_000, clientId: 'ib', security: {
      listenerName: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'PLAIN', username: 'admin', password: WRONG_PASSWORD } } }))
      .rejects.toThrow(/SASL PLAIN login as admin failed: SASL_AUTHENTICATION_FAILED/);
    await expect(connectToBroker('127.0.0.1', port.SSL!, { timeoutMs: 10_000, clientId: 'ib', security: {
      listenerName: 'SSL', securityProtocol: 'SSL', tls: { ca: readFileSync(`${certs.dir}/rogue-ca.pem`, 'utf8'), rejectUnauthorized: true }, sasl: null } }))
      .rejects.toThrow(/TLS connection to 127\.0\.0\.1:\d+ failed/);
  });
});

describe('KIP-368 on the client side (Rafka\'s inter-broker client re-authenticates before its session expires)', () => {
  it('a connectToBroker connection outlives its 3 s session by logging in again; with re-authentication off the broker closes it at expiry', async () => {
    const { connectToBroker } = await import('../../src/services/security/client-channel.js');
    const { reauthStateOf } = await import('../../src/services/security/client-reauthenticator.js');
    const { sendOneRequest } = await import('../../src/services/network/one-in-flight.js');
    const { decodeResponse } = await import('../../src/protocol/frame.js');
    const security = { listenerName: 'REAUTH', securityProtocol: 'SASL_PLAINTEXT', tls: null, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: BOB_PASSWORD } };
    let correlationId = 0;
    const metadata = async (s: import('node:net').Socket) => {
      const frame = encodeRequest({ requestApiKey: 3, requestApiVersion: 1, correlationId: ++correlationId, clientId: 'reauth' }, { topics: [] });
      return decodeResponse(await sendOneRequest(s, frame, 10_000, (w) => new Error(w)), 3, 1).body.brokers.map((x) => x.nodeId);
    };
    const pause = () => new Promise((r) => setTimeout(r, 100));
    const s = await connectToBroker('127.0.0.1', port.REAUTH!, { timeoutMs: 10_000, clientId: 'reauth', security });
    try {
      const state = reauthStateOf(s)!;
      expect(state.dueAt).not.toBeNull(); // the broker answered a session lifetime
      const start = Date.now();
      let answered = 0;
      // requests keep flowing (as a replica fetcher's) past the first session's end (re-authentication at 85-95 % of 3 s)
      while ((state.count < 1 || Date.now() - start <= 3300) && Date.now() - start < 20_000) { expect(await metadata(s)).toEqual([1]); answered++; await pause(); }
      expect(state.count).toBeGreaterThanOrEqual(1);
      expect(Date.now() - start).toBeGreaterThan(3000); // longer than one session: without re-authentication it would have been closed
      expect(await metadata(s)).toEqual([1]);
      expect(s.destroyed).toBe(false);
      expect(answered).toBeGreaterThan(2);
    } finally {
      s.destroy();
    }
    // the control: the same connection with re-authentication switched off is closed by the broker once the session expired
    const off = await connectToBroker('127.0.0.1', port.REAUTH!, { timeoutMs: 10_000, clientId: 'reauth', security });
    try {
      reauthStateOf(off)!.dueAt = null;
      const start = Date.now();
      let closed = false;
      while (!closed && Date.now() - start < 15_000) { try { await metadata(off); await pause(); } catch { closed = true; } }
      expect(closed).toBe(true);
      expect(Date.now() - start).toBeGreaterThanOrEqual(2900);
      await logged(/Disconnecting expired SASL session of User:bob from 127\.0\.0\.1:\d+ on REAUTH/);
    } finally {
      off.destroy();
    }
  });
});

describe('dynamic key store update (listener.name.<l>.ssl.keystore.location at /config/brokers/<id>)', () => {
  it('AlterConfigs switches the SASL_SSL listener to a renewed certificate without a restart (SCRAM still works); one with another DN is refused as Kafka\'s SslFactory refuses it', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { connect: tlsConnect } = await import('node:tls');
    const d = certs.dir;
    const makeBundle = async (name: string, subject: string) => {
      await runCommand('openssl', ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${d}/${name}.key`, '-out', `${d}/${name}.csr`, '-subj', subject]);
      await writeFile(`${d}/${name}.ext`, 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
      const x = await runCommand('openssl', ['x509', '-req', '-in', `${d}/${name}.csr`, '-CA', `${d}/ca.pem`, '-CAkey', `${d}/ca.key`, '-CAserial', `${d}/${name}.srl`, '-CAcreateserial', '-out', `${d}/${name}.pem`, '-days', '2', '-extfile', `${d}/${name}.ext`]);
      expect(x.code, x.stderr).toBe(0);
      await writeFile(`${d}/${name}-bundle.pem`, readFileSync(`${d}/${name}.key`, 'utf8') + readFileSync(`${d}/${name}.pem`, 'utf8'));
      return `${d}/${name}-bundle.pem`;
    };
    // (each with its own serial file: two openssl runs sharing ca.srl raced)
    const [otherDn, renewed] = await Promise.all([makeBundle('reloaded', '/CN=reloaded'), makeBundle('renewed', '/CN=localhost')]);
    const peer = () => new Promise<{ cn: string; fingerprint: string }>((resolve, reject) => {
      const s = tlsConnect({ host: '127.0.0.1', port: port.SASL_SSL!, ca: readFileSync(certs.caPem, 'utf8'), rejectUnauthorized: true }, () => {
        const c = s.getPeerCertificate(); s.destroy(); resolve({ cn: String(Array.isArray(c.subject.CN) ? c.subject.CN[0] : c.subject.CN), fingerprint: c.fingerprint256 });
      });
      s.once('error', reject);
    });
    const before = await peer();
    expect(before.cn).toBe('localhost');
    const admin = new Kafka({ clientId: 'ks-admin', brokers: [addr('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING,
      sasl: { mechanism: 'plain', username: 'admin', password: ADMIN_PASSWORD } }).admin();
    const { ConfigResourceTypes } = await import('kafkajs');
    const alterKeystore = (location: string) => admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: '1',
      configEntries: [{ name: 'listener.name.sasl_ssl.ssl.keystore.location', value: location }] }] });
    await admin.connect();
    try {
      await alterKeystore(otherDn);
      await logged(/^Keeping the old TLS key store of listener SASL_SSL: Validation of dynamic config update of SSLFactory failed: Keystore DistinguishedName does not match: {2}existing=\{alias=kafka, DN=CN=localhost\}, new=\{alias=kafka, DN=CN=reloaded\}$/);
      expect(await peer()).toEqual(before);
      await alterKeystore(renewed);
    } finally {
      await admin.disconnect();
    }
    const deadline = Date.now() + 15_000;
    let now = await peer();
    while (now.fingerprint === before.fingerprint && Date.now() < deadline) now = await peer();
    expect(now.cn).toBe('localhost');
    expect(now.fingerprint).not.toBe(before.fingerprint);
    expect(now.fingerprint).toBe(new (await import('node:crypto')).X509Certificate(readFileSync(`${d}/renewed.pem`)).fingerprint256);
    await logged(/^Reconfigured the TLS key store of listener SASL_SSL: new connections use PEM key store .*renewed-bundle\.pem$/);
    const r = await kcat('SASL_SSL', ['-L', '-m', '1'], undefined, sasl('SASL_SSL', 'SCRAM-SHA-512', 'bob', BOB_PASSWORD));
    expect(r.code, r.stderr).toBe(0);
  });
});


describe('OAUTHBEARER with Kafka\'s unsecured-JWS validator (development only)', () => {
  it('kafkajs logs in with an unsigned token as its sub and produces; with an expired token it cannot produce', async () => {
    const token = (exp: number) => `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'dev-user', exp, iat: Math.floor(Date.now() / 1000) })).toString('base64url')}.`;
    const client = (exp: number, retries = 0) => new Kafka({ clientId: 'oauth', brokers: [addr('SASL_PLAINTEXT')], logLevel: logLevel.NOTHING, retry: { retries },
      sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: token(exp) }) } }).producer();
    const p = client(Math.floor(Date.now() / 1000) + 600, 8); // retries: the topic may be auto-created right now
    await p.connect();
    try {
      const r = await p.send({ topic: 'sasl-plain', messages: [{ value: 'o1' }] });
      expect(r[0]!.errorCode).toBe(0);
    } finally {
      await p.disconnect();
    }
    // the broker answers an expired token with the invalid_token challenge (errorCode 0, as Kafka); kafkajs does not send
    // the \x01 a Java client sends and goes on with Metadata, which closes the unauthenticated connection: no produce
    const expired = client(Math.floor(Date.now() / 1000) - 10);
    const outcome = await expired.connect().then(() => expired.send({ topic: 'sasl-plain', messages: [{ value: 'x' }] })).then(() => 'sent', (e: Error) => e.message);
    expect(outcome).not.toBe('sent');
    await expired.disconnect().catch(() => undefined);
  });
});

describe('zookeeper.set.acl (Kafka\'s secure znode ACLs, the broker logged in to ZooKeeper with the JAAS Client login)', () => {
  it('znodes are creator-all + world-read (sensitive ones creator-only); an unauthenticated ZooKeeper client can read topics but write nothing', async () => {
    const aclsOf = (path: string) => new Promise<string[]>((resolve, reject) => zks.client.getACL(path, (e, acls) => (e ? reject(e) : resolve(acls.map((a) => `${a.id.scheme}:${a.id.id}:${(a as unknown as { permission: number }).permission}`).sort()))));
    const digest = `digest:kafka:${(await import('node:crypto')).createHash('sha1').update(`kafka:${ZK_PASSWORD}`).digest('base64')}`;
    // acl-a was created by the broker (auto-creation), /config/brokers and /config/users at its startup
    expect(await aclsOf('/brokers/topics/acl-a')).toEqual([`${digest}:31`, 'world:anyone:1']);
    expect(await aclsOf('/brokers/topics/acl-a/partitions/0/state')).toEqual([`${digest}:31`, 'world:anyone:1']);
    expect(await aclsOf('/brokers/ids/1')).toEqual([`${digest}:31`, 'world:anyone:1']);
    expect(await aclsOf('/config/users')).toEqual([`${digest}:31`]);
    expect(await aclsOf('/config/brokers')).toEqual([`${digest}:31`]);
    expect(await aclsOf('/consumers')).toEqual(['world:anyone:31']);
    const anon = await inspectZk(zk, b.chroot);
    expect(JSON.parse((await anon.getData('/brokers/topics/acl-a')).data!.toString()).partitions).toBeDefined(); // world-readable
    await expect(anon.setData('/brokers/topics/acl-a', Buffer.from('{"version":2,"partitions":{}}'))).rejects.toMatchObject({ codeName: 'NO_AUTH' });
    await expect(anon.create('/brokers/topics/evil', Buffer.from('{}'))).rejects.toMatchObject({ codeName: 'NO_AUTH' });
    await expect(anon.remove('/brokers/topics/acl-a/partitions/0/state')).rejects.toMatchObject({ codeName: 'NO_AUTH' });
    await expect(anon.create('/admin/delete_topics/acl-a', null)).rejects.toMatchObject({ codeName: 'NO_AUTH' });
    await expect(anon.getChildren('/config/users')).rejects.toMatchObject({ codeName: 'NO_AUTH' }); // sensitive: not even readable
    // the broker's own login still writes: a topic created now gets the same ACLs
    const made = await eventually(async () => ((await zks.exists('/brokers/topics/ops-made')) ? true : undefined), 5_000, 'ops-made');
    expect(made).toBe(true);
    expect(await aclsOf('/brokers/topics/ops-made')).toEqual([`${digest}:31`, 'world:anyone:1']);
  });
});

describe('kafka-python over every secure listener', () => {
  it('kafka-python produces and reads back over SSL, SASL_PLAINTEXT (PLAIN and SCRAM-SHA-512) and SASL_SSL (SCRAM-SHA-512)', async () => {
    const cases = {
      ssl: { port: port.SSL, cfg: { security_protocol: 'SSL', ssl_cafile: certs.caPem } },
      plain: { port: port.SASL_PLAINTEXT, cfg: { security_protocol: 'SASL_PLAINTEXT', sasl_mechanism: 'PLAIN', sasl_plain_username: 'alice', sasl_plain_password: ALICE_PASSWORD } },
      scram: { port: port.SASL_PLAINTEXT, cfg: { security_protocol: 'SASL_PLAINTEXT', sasl_mechanism: 'SCRAM-SHA-512', sasl_plain_username: 'bob', sasl_plain_password: BOB_PASSWORD } },
      sasl_ssl: { port: port.SASL_SSL, cfg: { security_protocol: 'SASL_SSL', ssl_cafile: certs.caPem, sasl_mechanism: 'SCRAM-SHA-512', sasl_plain_username: 'bob', sasl_plain_password: BOB_PASSWORD } },
    };
    const r = await runCommand('/usr/bin/python3', ['-c', `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
cases = json.loads(sys.argv[1])
for name, c in cases.items():
    b = '127.0.0.1:%d' % c['port']
    p = KafkaProducer(bootstrap_servers=b, acks=1, request_timeout_ms=20000, **c['cfg'])
    md = p.send('py-secure', ('py-' + name).encode()).get(timeout=30)
    p.close()
    cons = KafkaConsumer(bootstrap_servers=b, enable_auto_commit=False, consumer_timeout_ms=15000, **c['cfg'])
    tp = TopicPartition('py-secure', md.partition)
    cons.assign([tp]); cons.seek(tp, md.offset)
    got = next(iter(cons)).value.decode()
    cons.close()
    print(name, got, flush=True)
`, JSON.stringify(cases)], undefined, 120_000);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['ssl py-ssl', 'plain py-plain', 'scram py-scram', 'sasl_ssl py-sasl_ssl']);
  });
});

describe('@platformatic/kafka over every secure listener', () => {
  it('@platformatic/kafka produces over SSL, SASL_PLAINTEXT (PLAIN and SCRAM-SHA-512) and SASL_SSL (SCRAM-SHA-512); kcat reads them back', async () => {
    const { Producer, ProduceAcks, stringSerializers } = await import('@platformatic/kafka');
    const ca = readFileSync(certs.caPem, 'utf8');
    const modes = {
      ssl: { port: port.SSL!, tls: { ca } },
      plain: { port: port.SASL_PLAINTEXT!, sasl: { mechanism: 'PLAIN', username: 'alice', password: ALICE_PASSWORD } },
      scram: { port: port.SASL_PLAINTEXT!, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: BOB_PASSWORD } },
      sasl_ssl: { port: port.SASL_SSL!, tls: { ca }, sasl: { mechanism: 'SCRAM-SHA-512', username: 'bob', password: BOB_PASSWORD } },
    } as const;
    for (const [name, m] of Object.entries(modes)) {
      const p = new Producer({ clientId: `plt-${name}`, bootstrapBrokers: [`127.0.0.1:${m.port}`], retries: 10, retryDelay: 200, timeout: 10_000, autocreateTopics: true,
        serializers: stringSerializers, ...('tls' in m ? { tls: m.tls } : {}), ...('sasl' in m ? { sasl: m.sasl as never } : {}) });
      try {
        const r = await p.send({ acks: ProduceAcks.ALL, messages: [{ topic: 'plt-secure', value: `plt-${name}` }] });
        expect(r.offsets?.length, name).toBe(1);
      } finally {
        await p.close();
      }
    }
    const c = await kcat('PLAINTEXT', ['-C', '-t', 'plt-secure', '-o', 'beginning', '-e', '-c', '4']);
    expect(c.stdout.trim().split('\n')).toEqual(['plt-ssl', 'plt-plain', 'plt-scram', 'plt-sasl_ssl']);
  });
});

describe('secrets in logs', () => {
  it('no password, key store password or private key appears in any log line', () => {
    const all = broker.logs.map((l) => JSON.stringify(l)).join('\n') + broker.tail();
    for (const secret of [ADMIN_PASSWORD, ALICE_PASSWORD, BOB_PASSWORD, WRONG_PASSWORD, CAROL_PASSWORD, ZK_PASSWORD]) expect(all).not.toContain(secret);
    expect(all).not.toContain(certs.brokerP12Password);
    const keyBody = readFileSync(certs.brokerKeyPem, 'utf8').split('\n')[1]!;
    expect(all).not.toContain(keyBody);
    expect(all.length).toBeGreaterThan(1000);
  });
});
