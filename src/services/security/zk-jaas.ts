/**
 * The broker's ZooKeeper login, found as Kafka's JaasUtils.isZkSaslEnabled finds it: the JVM system properties
 * `java.security.auth.login.config` (a JAAS file), `zookeeper.sasl.client` (default true) and
 * `zookeeper.sasl.clientconfig` (the section, default `Client`), which kafka-server-start.sh users pass in
 * KAFKA_OPTS (`-Djava.security.auth.login.config=/etc/kafka/jaas.conf`). Rafka reads them from the same KAFKA_OPTS.
 * The section's login module must be ZooKeeper's `org.apache.zookeeper.server.auth.DigestLoginModule` with
 * `username` / `password`: Rafka logs in with ZooKeeper's `digest` scheme (services/zookeeper/zk-acls.ts says how
 * that differs from Kafka's SASL DIGEST-MD5). Kerberos (Krb5LoginModule) and other modules: a startup error.
 * Errors as Kafka's: an unreadable file "Exception while loading Zookeeper JAAS login context [...]", a section
 * present with zookeeper.sasl.client=false "Exception while determining if ZooKeeper is secure [...]".
 * Never logs the password.
 */
import { readFileSync } from 'node:fs';
import { ConfigException } from '../../config/config-exception.js';
import { parseJaasConfig, type JaasModule } from './jaas-config.js';
import type { ZkClientSecurity } from '../zookeeper/zk-acls.js';

const LOGIN_CONFIG = 'java.security.auth.login.config';
const SASL_CLIENT = 'zookeeper.sasl.client';
const CONTEXT_NAME = 'zookeeper.sasl.clientconfig';
export const DIGEST_LOGIN_MODULE = 'org.apache.zookeeper.server.auth.DigestLoginModule';

/** `-Dkey=value` system properties of a KAFKA_OPTS-style string (values may be quoted). */
export function parseSystemProperties(opts: string | undefined): Map<string, string> {
  const props = new Map<string, string>();
  for (const m of (opts ?? '').matchAll(/(?:^|\s)-D([^=\s]+)=("([^"]*)"|'([^']*)'|\S*)/g)) props.set(m[1]!, m[3] ?? m[4] ?? m[2]!);
  return props;
}

/** A JAAS file's sections (`Name { Module flag key="v"; … };`), comments (`//`, `/* *\/`) dropped. */
export function parseJaasFile(text: string, file: string): Map<string, JaasModule[]> {
  // comments dropped outside quoted values only (a password may contain // or braces)
  let clean = '';
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === '"') { const end = text.indexOf('"', i + 1); const j = end < 0 ? text.length : end + 1; clean += text.slice(i, j); i = j; }
    else if (text.startsWith('//', i)) { const nl = text.indexOf('\n', i); i = nl < 0 ? text.length : nl; }
    else if (text.startsWith('/*', i)) { const end = text.indexOf('*/', i + 2); i = end < 0 ? text.length : end + 2; }
    else { clean += c; i++; }
  }
  const sections = new Map<string, JaasModule[]>();
  const re = /([A-Za-z0-9_.$-]+)\s*\{((?:"[^"]*"|[^}"])*)\}\s*;?/g;
  for (const m of clean.matchAll(re)) sections.set(m[1]!, parseJaasConfig(`${LOGIN_CONFIG}=${file} section ${m[1]}`, m[2]!));
  return sections;
}

/** JaasUtils.zkSecuritySysConfigString. */
function sysConfigString(props: Map<string, string>): string {
  return `[${LOGIN_CONFIG}=${props.get(LOGIN_CONFIG) ?? 'null'}, ${SASL_CLIENT}=${props.get(SASL_CLIENT) ?? 'default:true'}, ` +
    `${CONTEXT_NAME}=${props.get(CONTEXT_NAME) ?? 'default:Client'}]`;
}

/** The ZooKeeper login from KAFKA_OPTS (and its JAAS file); throws a ConfigException naming the file / section. */
export function buildZkClientSecurity(kafkaOpts: string | undefined, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): ZkClientSecurity {
  const props = parseSystemProperties(kafkaOpts);
  const sys = sysConfigString(props);
  const file = props.get(LOGIN_CONFIG);
  if (file === undefined || file === '') return { auth: null, sysConfigString: sys };
  let sections: Map<string, JaasModule[]>;
  try {
    sections = parseJaasFile(readFile(file), file);
  } catch (e) {
    throw new ConfigException(`Exception while loading Zookeeper JAAS login context ${sys}: ${e instanceof ConfigException || (e as NodeJS.ErrnoException).code ? (e as Error).message : 'unparsable'}`);
  }
  const context = props.get(CONTEXT_NAME) ?? 'Client';
  const modules = sections.get(context);
  if (!modules || modules.length === 0) return { auth: null, sysConfigString: sys };
  if ((props.get(SASL_CLIENT) ?? 'true').toLowerCase() !== 'true') {
    throw new ConfigException(`Exception while determining if ZooKeeper is secure ${sys} (JAAS configuration is present, but system property ${SASL_CLIENT} is set to false, which disables SASL in the ZooKeeper client)`);
  }
  const m = modules[0]!;
  if (m.loginModule !== DIGEST_LOGIN_MODULE) {
    throw new ConfigException(`The ZooKeeper login module ${m.loginModule} (section ${context} of ${file}) is not supported by Rafka: use ${DIGEST_LOGIN_MODULE} with username and password (logged in with ZooKeeper's digest scheme)`);
  }
  const username = m.options.get('username');
  const password = m.options.get('password');
  if (!username || password === undefined) {
    throw new ConfigException(`The ZooKeeper login (section ${context} of ${file}) needs both username and password options of ${DIGEST_LOGIN_MODULE}`);
  }
  return { auth: { scheme: 'digest', credentials: `${username}:${password}` }, sysConfigString: sys };
}
