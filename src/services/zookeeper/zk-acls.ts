/**
 * zookeeper.set.acl: the ACLs of the znodes Rafka creates and the ZooKeeper authentication of its sessions, as Kafka's
 * ZkData.defaultAcls / sensitivePath and KafkaZkClient.createZkClient:
 *  - secure (zookeeper.set.acl=true): CREATOR_ALL_ACL (every permission for the identity that created the znode,
 *    ZooKeeper's `auth` scheme) plus READ_ACL_UNSAFE (world-readable), except under the sensitive roots
 *    /config/users, /config/brokers and /delegation_token (credentials, key store passwords), which are creator-only;
 *    the old consumer path /consumers stays open (OPEN_ACL_UNSAFE) as in Kafka; not secure: OPEN_ACL_UNSAFE everywhere;
 *  - the session's identity: the login of the JAAS `Client` section (services/security/zk-jaas.ts), set up once at
 *    startup and read here by every session the broker opens (the chroot creation's too).
 * Differs from Kafka: Kafka logs in with SASL (DigestLoginModule → DIGEST-MD5, identity `sasl:<user>`); Rafka's
 * ZooKeeper client has no SASL, so the same username/password authenticate with ZooKeeper's built-in `digest` scheme
 * (identity `digest:<user>:<base64 sha1>`): the znodes are protected the same way, but a Kafka broker logged in with
 * SASL and a Rafka broker are different ZooKeeper identities (a mixed cluster with zookeeper.set.acl=true cannot
 * write each other's znodes).
 */
import zookeeper from 'node-zookeeper-client';
import type { ACL } from 'node-zookeeper-client';

const { ACL: AclClass, Permission, Id } = zookeeper;

/** ZooKeeper's `addauth` credentials: scheme and its data (digest: `user:password`). */
export interface ZkAuthInfo { scheme: string; credentials: string }

export interface ZkClientSecurity {
  /** The session's login, or null (not authenticated: Kafka's "ZooKeeper security not enabled"). */
  auth: ZkAuthInfo | null;
  /** JaasUtils.zkSecuritySysConfigString: what Kafka's refusal names. */
  sysConfigString: string;
}

export const DEFAULT_SYS_CONFIG_STRING = '[java.security.auth.login.config=null, zookeeper.sasl.client=default:true, zookeeper.sasl.clientconfig=default:Client]';

let current: ZkClientSecurity = { auth: null, sysConfigString: DEFAULT_SYS_CONFIG_STRING };
/** Set once at startup (cli.ts); a broker started without the cli (in-process tests) has no ZooKeeper login. */
export function setZkClientSecurity(s: ZkClientSecurity): void { current = s; }
export function zkClientSecurity(): ZkClientSecurity { return current; }

/** KafkaZkClient.createZkClient's refusal: zookeeper.set.acl without an authenticated ZooKeeper session. */
export function secureAclsRefusal(setAcl: boolean, s: ZkClientSecurity): string | null {
  if (!setAcl || s.auth !== null) return null;
  return 'zookeeper.set.acl is true, but ZooKeeper client TLS configuration identifying at least zookeeper.ssl.client.enable, ' +
    'zookeeper.clientCnxnSocket, and zookeeper.ssl.keystore.location was not present and the verification of the JAAS login file failed ' +
    s.sysConfigString;
}

/** ZkData.SensitiveRootPaths. */
export const SENSITIVE_ROOT_PATHS: readonly string[] = ['/config/users', '/config/brokers', '/delegation_token'];
const CONSUMERS_PATH = '/consumers';

export const OPEN_ACL_UNSAFE: ACL[] = [new AclClass(Permission.ALL, new Id('world', 'anyone'))];
const CREATOR_ALL_ACL: ACL[] = [new AclClass(Permission.ALL, new Id('auth', ''))];
const READ_ACL_UNSAFE: ACL[] = [new AclClass(Permission.READ, new Id('world', 'anyone'))];
const SECURE_ACLS: ACL[] = [...CREATOR_ALL_ACL, ...READ_ACL_UNSAFE];

/** ZkData.sensitivePath: the path starts with a sensitive root (a plain prefix test, as Kafka's). */
export const sensitivePath = (path: string): boolean => SENSITIVE_ROOT_PATHS.some((root) => path.startsWith(root));

/** ZkData.defaultAcls(isSecure, path); `path` is relative to the chroot, as Kafka's. */
export function defaultAcls(isSecure: boolean, path: string): ACL[] {
  if (!isSecure || path === CONSUMERS_PATH) return OPEN_ACL_UNSAFE;
  return sensitivePath(path) ? CREATOR_ALL_ACL : SECURE_ACLS;
}
