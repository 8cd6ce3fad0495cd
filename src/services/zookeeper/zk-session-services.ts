/** The I/O behind the zookeeper-client machine, as functions the machine invokes. */
import { ZkSession, type SessionEvent } from './zk-session.js';
import { ZkHandle } from './zk-handle.js';
import { ensureChroot, createTopLevelPaths } from './kafka-zk-client.js';
import { secureAclsRefusal, zkClientSecurity } from './zk-acls.js';

export interface ZkConnectParams {
  handle: ZkHandle;
  sessionTimeoutMs: number;
  connectionTimeoutMs: number;
  /** zookeeper.set.acl: secure znode ACLs; refused (as Kafka) unless the session logs in (zk-acls.ts, JAAS `Client` section). */
  setAcl?: boolean;
}

export class ZkSecurityError extends Error { override name = 'ZkSecurityError'; }

/** Opens a new session (creating the chroot first, as Kafka does) and installs it in the handle. */
export async function openSession(p: ZkConnectParams, signal?: AbortSignal): Promise<string> {
  const security = zkClientSecurity();
  const refusal = secureAclsRefusal(p.setAcl === true, security);
  if (refusal) throw new ZkSecurityError(refusal);
  const zkOpts = { auth: security.auth, secureAcls: p.setAcl === true };
  await ensureChroot(p.handle.connectString, p.sessionTimeoutMs, p.connectionTimeoutMs, signal, zkOpts);
  const session = new ZkSession(p.handle.connectString, { sessionTimeoutMs: p.sessionTimeoutMs, ...zkOpts });
  try {
    await session.connect(p.connectionTimeoutMs, signal);
  } catch (e) {
    session.close();
    throw e;
  }
  p.handle.replace(session);
  return session.sessionId;
}

export async function createPersistentPaths(handle: ZkHandle): Promise<void> {
  await createTopLevelPaths(handle.current);
}

/** Forwards the current session's state changes; returns the unsubscribe function. */
export function watchSessionState(handle: ZkHandle, onEvent: (e: SessionEvent) => void): () => void {
  return handle.on((e) => { if (e !== 'replaced') onEvent(e); });
}
