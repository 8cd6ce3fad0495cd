/**
 * The reading side of ZkNodeChangeNotificationListener for /config/changes: list the sequential
 * notifications (arming the child watch), decode the new ones, and purge those older than 15 min.
 */
import type { ZkSession, ZkEvent } from './zk-session.js';
import { retryUntilConnected } from './kafka-zk-client.js';
import { ZkPaths, CONFIG_CHANGE_PREFIX, ConfigEntityChangeNotification, sequenceNumber } from './zk-data.js';

export const NOTIFICATION_EXPIRY_MS = 15 * 60 * 1000;

export interface ConfigChange { sequence: number; type: string; name: string }

export interface ConfigChangeBatch { changes: ConfigChange[]; lastSequence: number; skipped: Array<{ node: string; error: string }> }

export async function readConfigChanges(zk: ZkSession, afterSequence: number, onChildrenChanged: () => void, now = Date.now()): Promise<ConfigChangeBatch> {
  let fired = false;
  const watcher = (_e: ZkEvent) => { if (!fired) { fired = true; onChildrenChanged(); } };
  const children = (await retryUntilConnected(zk, () => zk.getChildren(ZkPaths.configChanges, watcher)))
    .filter((c) => c.startsWith(CONFIG_CHANGE_PREFIX))
    .sort();
  const batch: ConfigChangeBatch = { changes: [], lastSequence: afterSequence, skipped: [] };
  for (const child of children) {
    const sequence = sequenceNumber(child, CONFIG_CHANGE_PREFIX);
    const path = `${ZkPaths.configChanges}/${child}`;
    const node = sequence > afterSequence ? await zk.getDataOrNull(path) : null;
    if (node) {
      try { batch.changes.push({ sequence, ...ConfigEntityChangeNotification.decode(node.data) }); } catch (e) {
        batch.skipped.push({ node: child, error: (e as Error).message });
      }
      batch.lastSequence = Math.max(batch.lastSequence, sequence);
    }
    await purgeIfExpired(zk, path, now);
  }
  return batch;
}

async function purgeIfExpired(zk: ZkSession, path: string, now: number): Promise<void> {
  const stat = await zk.exists(path);
  if (stat && now - Number(stat.ctime.readBigInt64BE(0)) > NOTIFICATION_EXPIRY_MS) await zk.remove(path).catch(() => undefined);
}
