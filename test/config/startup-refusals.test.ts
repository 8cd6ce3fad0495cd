/**
 * What the broker process does with configuration it cannot honour (bin/rafka.js → dist):
 *  - security it does not implement (SSL / SASL listeners, directly or through listener.security.protocol.map,
 *    authorizer.class.name, zookeeper.ssl.client.enable) refuses to start: exit code 1 and ONE fatal line naming the
 *    listener or key — before anything is bound or ZooKeeper is contacted;
 *  - keys it accepts but does not implement, set to non-default values, are named in one startup warning.
 * Plus the check itself on parsed configs.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConfig } from '../../src/config/kafka-config.js';
import { securityRefusal, unsupportedSecurity } from '../../src/config/unsupported-security.js';
import { spawnBroker, stopAllBrokers, writeBrokerConfig } from '../helpers/broker-process.js';
import { freePort } from '../helpers/zookeeper-server.js';

const BASE = { 'zookeeper.connect': '127.0.0.1:1', 'log.dirs': '/tmp/rafka-refusal-unused' };
const parse = (props: Record<string, string>) => KafkaConfig.fromProps({ ...BASE, ...props });

describe('unsupportedSecurity', () => {
  it('accepts plaintext listeners and the default map (whose unused SSL/SASL entries do not matter)', () => {
    expect(unsupportedSecurity(parse({ listeners: 'PLAINTEXT://:9092,INTERNAL://127.0.0.1:9093', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT,SSL:SSL', 'inter.broker.listener.name': 'INTERNAL' }))).toEqual([]);
    expect(securityRefusal(parse({}))).toBeNull();
  });

  it('accepts SSL and SASL listeners (served since issue 14; their settings are checked by buildListenerSecurity)', () => {
    expect(unsupportedSecurity(parse({ listeners: 'PLAINTEXT://:9092,SSL://:9093,SASL_PLAINTEXT://:9094,CLIENT://:9095', 'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,CLIENT:SASL_SSL' }))).toEqual([]);
  });

  it('names authorizer.class.name, the policy classes and zookeeper.ssl.client.enable', () => {
    expect(unsupportedSecurity(parse({ 'authorizer.class.name': 'kafka.security.authorizer.AclAuthorizer' }))).toEqual([]);
    expect(unsupportedSecurity(parse({ 'authorizer.class.name': 'org.example.Authz', 'zookeeper.ssl.client.enable': 'true', 'create.topic.policy.class.name': 'com.example.P', 'alter.config.policy.class.name': 'com.example.Q' }))).toEqual([
      'authorizer.class.name=org.example.Authz is not an authorizer Rafka implements (kafka.security.authorizer.AclAuthorizer or kafka.security.auth.SimpleAclAuthorizer): nothing would be enforced',
      'create.topic.policy.class.name=com.example.P is set, but Rafka runs no policy classes yet: nothing would be rejected',
      'alter.config.policy.class.name=com.example.Q is set, but Rafka runs no policy classes yet: nothing would be rejected',
      'zookeeper.ssl.client.enable=true, but Rafka has no TLS to ZooKeeper yet: it would connect in plaintext',
    ]);
  });
});

describe('the broker process', () => {
  const dirs: string[] = [];
  afterAll(async () => { await stopAllBrokers(); for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  async function run(props: Record<string, string>) {
    const dir = await mkdtemp(join(tmpdir(), 'rafka-refusal-'));
    dirs.push(dir);
    const zkPort = await freePort(); // nothing listens there: a refusal must come before ZooKeeper is needed
    const cfg = await writeBrokerConfig(dir, { 'broker.id': '1', 'zookeeper.connect': `127.0.0.1:${zkPort}`, 'log.dirs': join(dir, 'logs'), listeners: 'PLAINTEXT://127.0.0.1:0', ...props });
    return spawnBroker([cfg]);
  }

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    ['an SSL listener without a key store', { listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0' }, /^Invalid value null for configuration ssl\.keystore\.location: listener SSL needs a key store/],
    ['a JKS key store', { listeners: 'PLAINTEXT://127.0.0.1:0,SSL://127.0.0.1:0', 'ssl.keystore.location': '/nonexistent.jks' }, /^Invalid value JKS for configuration ssl\.keystore\.type: Rafka cannot read JKS key stores: use ssl\.keystore\.type=PKCS12 .* or PEM$/],
    ['a SASL listener with Kafka\'s default mechanism GSSAPI', { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0' },
      /^Invalid value GSSAPI for configuration sasl\.enabled\.mechanisms: Rafka implements the SASL mechanisms PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER, not GSSAPI \(GSSAPI is Kafka's default: set sasl\.enabled\.mechanisms\)$/],
    ['PLAIN without a JAAS config', { listeners: 'PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0', 'sasl.enabled.mechanisms': 'PLAIN' },
      /^Invalid value null for configuration listener\.name\.sasl_plaintext\.plain\.sasl\.jaas\.config: PLAIN on listener SASL_PLAINTEXT needs/],
    ['an authorizer.class.name Rafka does not implement', { 'authorizer.class.name': 'com.example.MyAuthorizer' }, /^Refusing to start: authorizer\.class\.name=com\.example\.MyAuthorizer is not an authorizer Rafka implements \(kafka\.security\.authorizer\.AclAuthorizer or kafka\.security\.auth\.SimpleAclAuthorizer\)/],
    ['zookeeper.ssl.client.enable', { 'zookeeper.ssl.client.enable': 'true' }, /^Refusing to start: zookeeper\.ssl\.client\.enable=true/],
    ['create.topic.policy.class.name', { 'create.topic.policy.class.name': 'com.example.Policy' }, /^Refusing to start: create\.topic\.policy\.class\.name=com\.example\.Policy is set/],
  ];
  for (const [what, props, message] of cases) {
    it(`refuses ${what}: exit 1, one fatal line naming it, nothing bound`, async () => {
      const b = await run(props);
      expect(await b.waitForExit(30_000), b.tail()).toBe(1);
      const fatal = b.logs.filter((l) => l.level === 60);
      expect(fatal.map((l) => l.msg), b.tail()).toHaveLength(1);
      expect(fatal[0]!.msg).toMatch(message);
      expect(b.logs.some((l) => /Listening on|KafkaConfig values/.test(l.msg)), b.tail()).toBe(false);
    });
  }

  it('names every non-default key it does not implement in one warning at startup', async () => {
    const b = await run({ 'num.io.threads': '16', 'ssl.truststore.password': 's3cret', 'num.network.threads': '3', 'num.partitions': '2' });
    const line = await b.waitForLog((l) => /does not implement yet/.test(l.msg), 30_000);
    expect(line.level).toBe(40);
    expect(line.msg).toBe('2 configs set to a non-default value that Rafka accepts but does not implement yet (no effect): num.io.threads=16, ssl.truststore.password=[hidden]');
    expect(b.logs.filter((l) => /does not implement yet/.test(l.msg))).toHaveLength(1);
    expect(JSON.stringify(b.logs)).not.toContain('s3cret');
    await b.stop();
  });
});
