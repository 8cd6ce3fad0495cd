/**
 * zookeeper.set.acl's pieces without ZooKeeper: the JAAS Client section found through KAFKA_OPTS (zk-jaas.ts), Kafka's
 * refusal text, and ZkData.defaultAcls (zk-acls.ts). The real-ZooKeeper side (znode ACLs, an unauthenticated client
 * refused) is in test/integration/security.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { buildZkClientSecurity, parseJaasFile, parseSystemProperties } from '../../../src/services/security/zk-jaas.js';
import { DEFAULT_SYS_CONFIG_STRING, defaultAcls, secureAclsRefusal } from '../../../src/services/zookeeper/zk-acls.js';

const JAAS = `// the broker's login to ZooKeeper
KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="a";
};
/* digest */
Client {
  org.apache.zookeeper.server.auth.DigestLoginModule required
  username="kafka"
  password="p//w}d";
};
`;

describe('the ZooKeeper login from KAFKA_OPTS and the JAAS file', () => {
  it('reads -D system properties, quoted or not', () => {
    const p = parseSystemProperties('-Xmx1G -Djava.security.auth.login.config=/etc/kafka/jaas.conf -Dzookeeper.sasl.clientconfig="ZkClient" -Dx=');
    expect([...p]).toEqual([['java.security.auth.login.config', '/etc/kafka/jaas.conf'], ['zookeeper.sasl.clientconfig', 'ZkClient'], ['x', '']]);
  });

  it('parses sections with comments; a password may hold // and braces', () => {
    const s = parseJaasFile(JAAS, 'jaas.conf');
    expect([...s.keys()]).toEqual(['KafkaServer', 'Client']);
    expect(s.get('Client')![0]!.options.get('password')).toBe('p//w}d');
  });

  it('the Client section with DigestLoginModule logs in with the digest scheme; no file or no section: not secure', () => {
    const read = (p: string) => { if (p !== '/j.conf') throw Object.assign(new Error(`ENOENT: no such file or directory, open '${p}'`), { code: 'ENOENT' }); return JAAS; };
    const s = buildZkClientSecurity('-Djava.security.auth.login.config=/j.conf', read);
    expect(s.auth).toEqual({ scheme: 'digest', credentials: 'kafka:p//w}d' });
    expect(s.sysConfigString).toBe('[java.security.auth.login.config=/j.conf, zookeeper.sasl.client=default:true, zookeeper.sasl.clientconfig=default:Client]');
    expect(buildZkClientSecurity(undefined, read)).toEqual({ auth: null, sysConfigString: DEFAULT_SYS_CONFIG_STRING });
    expect(buildZkClientSecurity('-Djava.security.auth.login.config=/j.conf -Dzookeeper.sasl.clientconfig=Other', read).auth).toBeNull();
    expect(() => buildZkClientSecurity('-Djava.security.auth.login.config=/missing.conf', read)).toThrow(/^Exception while loading Zookeeper JAAS login context \[java\.security\.auth\.login\.config=\/missing\.conf, .*ENOENT/);
    expect(() => buildZkClientSecurity('-Djava.security.auth.login.config=/j.conf -Dzookeeper.sasl.client=false', read)).toThrow(/^Exception while determining if ZooKeeper is secure \[.*zookeeper\.sasl\.client=false/);
    const krb = 'Client { com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true; };';
    expect(() => buildZkClientSecurity('-Djava.security.auth.login.config=/k.conf', () => krb)).toThrow(/Krb5LoginModule .* is not supported by Rafka: use org\.apache\.zookeeper\.server\.auth\.DigestLoginModule/);
    const noPassword = 'Client { org.apache.zookeeper.server.auth.DigestLoginModule required username="kafka"; };';
    expect(() => buildZkClientSecurity('-Djava.security.auth.login.config=/n.conf', () => noPassword)).toThrow(/needs both username and password/);
    // a parse error never shows the password
    let message = '';
    try { buildZkClientSecurity('-Djava.security.auth.login.config=/b.conf', () => 'Client { org.apache.zookeeper.server.auth.DigestLoginModule username="kafka" password="sekrit"; };'); } catch (e) { message = (e as Error).message; }
    expect(message).toMatch(/needs a control flag/);
    expect(message).not.toContain('sekrit');
  });

  it('zookeeper.set.acl without a login: Kafka\'s SecurityException text naming the settings', () => {
    expect(secureAclsRefusal(true, { auth: null, sysConfigString: DEFAULT_SYS_CONFIG_STRING })).toBe(
      'zookeeper.set.acl is true, but ZooKeeper client TLS configuration identifying at least zookeeper.ssl.client.enable, zookeeper.clientCnxnSocket, ' +
      'and zookeeper.ssl.keystore.location was not present and the verification of the JAAS login file failed ' +
      '[java.security.auth.login.config=null, zookeeper.sasl.client=default:true, zookeeper.sasl.clientconfig=default:Client]');
    expect(secureAclsRefusal(false, { auth: null, sysConfigString: DEFAULT_SYS_CONFIG_STRING })).toBeNull();
    expect(secureAclsRefusal(true, { auth: { scheme: 'digest', credentials: 'k:p' }, sysConfigString: '' })).toBeNull();
  });

  it('ZkData.defaultAcls: creator-all + world-read, creator-only under the sensitive roots, /consumers and insecure open', () => {
    const ids = (path: string, secure = true) => defaultAcls(secure, path).map((a) => `${a.id.scheme}:${a.id.id}:${(a as unknown as { permission: number }).permission}`);
    expect(ids('/brokers/topics/t')).toEqual(['auth::31', 'world:anyone:1']);
    expect(ids('/config/topics/t')).toEqual(['auth::31', 'world:anyone:1']);
    for (const p of ['/config/users', '/config/users/alice', '/config/brokers/<default>', '/delegation_token/tokens/x']) expect(ids(p)).toEqual(['auth::31']);
    expect(ids('/consumers')).toEqual(['world:anyone:31']);
    expect(ids('/brokers/topics/t', false)).toEqual(['world:anyone:31']);
  });
});
