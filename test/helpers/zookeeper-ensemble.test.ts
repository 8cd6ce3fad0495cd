import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startZooKeeperEnsemble, type ZooKeeperEnsemble } from './zookeeper-ensemble.js';
import { ZkSession } from '../../src/services/zookeeper/zk-session.js';

let e: ZooKeeperEnsemble;
beforeAll(async () => {
  e = await startZooKeeperEnsemble();
}, 90_000);
afterAll(async () => {
  await e?.close();
});

async function session(connect: string): Promise<ZkSession> {
  const s = new ZkSession(connect, { sessionTimeoutMs: 6000 });
  await s.connect(15_000);
  return s;
}

describe('ZooKeeper ensemble', () => {
  it('runs three nodes, one leader and two followers, that share their data', async () => {
    const modes = await Promise.all([1, 2, 3].map((id) => e.mode(id)));
    expect(modes.filter((m) => m === 'leader')).toHaveLength(1);
    expect(modes.filter((m) => m === 'follower')).toHaveLength(2);
    const a = await session(e.nodes[0]!.address);
    const b = await session(e.nodes[2]!.address);
    try {
      await a.create('/shared', Buffer.from('x'));
      // A follower may lag a moment behind the leader's commit; sync is implied by polling.
      const deadline = Date.now() + 10_000;
      for (;;) {
        const n = await b.getDataOrNull('/shared');
        if (n?.data?.toString() === 'x') break;
        if (Date.now() > deadline) throw new Error('node 3 never saw /shared');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      a.close();
      b.close();
    }
  }, 60_000);

  it('keeps serving with the leader killed, and the node rejoins with the data written meanwhile', async () => {
    const leader = (await e.leader())!;
    expect(leader).not.toBeNull();
    await e.kill(leader);
    expect(e.nodes[leader - 1]!.running).toBe(false);
    const others = e.nodes.filter((n) => n.id !== leader);
    const s = await session(others.map((n) => n.address).join(','));
    try {
      await s.create('/while-down', Buffer.from('y'));
    } finally {
      s.close();
    }
    expect(await e.leader()).not.toBe(leader);
    await e.start(leader);
    expect(await e.mode(leader)).toBe('follower');
    const back = await session(e.nodes[leader - 1]!.address);
    try {
      expect((await back.getData('/while-down')).data!.toString()).toBe('y');
    } finally {
      back.close();
    }
  }, 90_000);
});
