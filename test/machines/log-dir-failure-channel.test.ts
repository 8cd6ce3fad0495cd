import { describe, it, expect } from 'vitest';
import { fromPromise, waitFor } from 'xstate';
import { logDirFailureChannelMachine } from '../../src/machines/log-dir-failure-channel.js';
import { ZkHandle } from '../../src/services/zookeeper/zk-handle.js';
import { underParent, silentLog } from './harness.js';

function channel(dirs: string[]) {
  const notified: string[][] = [];
  const machine = logDirFailureChannelMachine.provide({
    actors: { notifyController: fromPromise<string[], any>(async ({ input }) => { notified.push(input.dirs); return input.dirs; }) },
  });
  const h = underParent(machine, { handle: new ZkHandle('zk'), logDirs: dirs, log: silentLog });
  return { ...h, notified };
}

describe('LogDirFailureChannel machine', () => {
  it('takes a dir offline once, tells the parent, and announces only dirs that were live', async () => {
    const h = channel(['/a', '/b', '/c']);
    h.send({ type: 'logDir.failed', dir: '/a', error: 'bad meta.properties', neverLive: true });
    h.send({ type: 'logDir.failed', dir: '/a', error: 'again' });
    h.send({ type: 'ldfc.start', brokerId: 1, liveDirs: ['/b', '/c'] });
    await waitFor(h.child(), (s: any) => s.matches('idle'), { timeout: 1000 });
    expect(h.notified).toEqual([]);
    h.send({ type: 'logDir.failed', dir: '/b', error: 'EIO' });
    await waitFor(h.child(), (s: any) => s.matches('idle') && s.context.pendingNotifications.length === 0, { timeout: 1000 });
    expect(h.notified).toEqual([['/b']]);
    expect(h.actor.getSnapshot().context.events).toEqual([
      { type: 'ldfc.dirOffline', dir: '/a', error: 'bad meta.properties', remaining: 2 },
      { type: 'ldfc.dirOffline', dir: '/b', error: 'EIO', remaining: 1 },
    ]);
  });

  it('queues failures before start and announces live ones when started', async () => {
    const h = channel(['/a', '/b']);
    h.send({ type: 'logDir.failed', dir: '/a', error: 'EIO while loading' });
    h.send({ type: 'ldfc.start', brokerId: 7, liveDirs: ['/b'] });
    await waitFor(h.child(), (s: any) => s.matches('idle') && s.context.pendingNotifications.length === 0, { timeout: 1000 });
    expect(h.notified).toEqual([['/a']]);
  });

  it('asks the broker to halt when the last dir goes offline', async () => {
    const h = channel(['/a', '/b']);
    h.send({ type: 'ldfc.start', brokerId: 1, liveDirs: ['/a', '/b'] });
    h.send({ type: 'logDir.failed', dir: '/a', error: 'EIO' });
    h.send({ type: 'logDir.failed', dir: '/b', error: 'EROFS' });
    await waitFor(h.child(), (s: any) => s.status === 'done', { timeout: 1000 });
    expect(h.actor.getSnapshot().context.events.find((e) => e.type === 'ldfc.allOffline')).toEqual({
      type: 'ldfc.allOffline', message: 'Shutdown broker because all log dirs in /a, /b have failed',
    });
  });
});
