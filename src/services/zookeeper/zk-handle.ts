import { ZkSession, type SessionEvent } from './zk-session.js';

/**
 * The broker's current ZooKeeper session, shared by every coordinator. The zookeeper-client
 * machine owns the lifecycle (it swaps in a new session after expiry); the others only read
 * `current` and listen for session events, so no coordinator ever holds a dead session.
 */
export class ZkHandle {
  private session: ZkSession | null = null;
  private readonly listeners = new Set<(e: SessionEvent | 'replaced') => void>();
  /** Session ids this broker used before; their ephemerals may be ours to replace (ZOOKEEPER-2985). */
  readonly previousSessionIds: string[] = [];

  constructor(readonly connectString: string) {}

  get current(): ZkSession {
    if (!this.session) throw new Error(`No ZooKeeper session to ${this.connectString} yet`);
    return this.session;
  }

  get hasSession(): boolean { return this.session !== null; }

  /** Installs a new session, closing the previous one. */
  replace(next: ZkSession): void {
    const prev = this.session;
    if (prev) {
      if (prev.sessionId !== '0000000000000000') this.previousSessionIds.push(prev.sessionId);
      prev.close();
    }
    this.session = next;
    next.on((e) => this.emit(e));
    this.emit('replaced');
  }

  close(): void {
    this.session?.close();
    this.session = null;
  }

  on(listener: (e: SessionEvent | 'replaced') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: SessionEvent | 'replaced'): void {
    for (const l of [...this.listeners]) l(e);
  }
}
