import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../../helpers/zookeeper-server.js';
import { ZkSession } from '../../../src/services/zookeeper/zk-session.js';
import { ensureChroot, createTopLevelPaths } from '../../../src/services/zookeeper/kafka-zk-client.js';
import { getNewProducerIdBlock, PRODUCER_ID_BLOCK_SIZE } from '../../../src/services/zookeeper/zk-producer-id-block.js';
import { ProducerIdManager } from '../../../src/services/transaction/producer-id-manager.js';

let zk: ZooKeeperServer;
const sessions: ZkSession[] = [];
let n = 0;

async function session(chroot: string): Promise<ZkSession> {
  await ensureChroot(`${zk.connectString}${chroot}`, 6000, 5000);
  const s = new ZkSession(`${zk.connectString}${chroot}`, { sessionTimeoutMs: 6000 });
  sessions.push(s);
  await s.connect(5000);
  return s;
}

beforeAll(async () => { zk = await startZooKeeper(); });
afterAll(async () => { sessions.forEach((s) => s.close()); await zk?.close(); });

describe('/latest_producer_id_block against a real ZooKeeper', () => {
  it('claims consecutive blocks of 1000 from the empty znode, written as Kafka JSON', async () => {
    const s = await session(`/pid${++n}`);
    await createTopLevelPaths(s); // creates /latest_producer_id_block empty, as Kafka
    expect(await getNewProducerIdBlock(s, 3)).toEqual({ broker: 3, blockStart: 0, blockEnd: 999 });
    expect(JSON.parse((await s.getData('/latest_producer_id_block')).data!.toString())).toEqual({ version: 1, broker: 3, block_start: '0', block_end: '999' });
    expect(await getNewProducerIdBlock(s, 4)).toEqual({ broker: 4, blockStart: 1000, blockEnd: 1999 });
  });

  it('creates the znode when it is missing', async () => {
    const s = await session(`/pid${++n}`);
    expect(await getNewProducerIdBlock(s, 1)).toEqual({ broker: 1, blockStart: 0, blockEnd: 999 });
  });

  it('gives two brokers racing on separate sessions disjoint blocks (conditional setData, retry on conflict)', async () => {
    const chroot = `/pid${++n}`;
    const a = await session(chroot);
    const b = await session(chroot);
    await createTopLevelPaths(a);
    let conflicts = 0;
    const claim = async (s: ZkSession, id: number) => {
      const out = [];
      for (let i = 0; i < 8; i++) out.push(await getNewProducerIdBlock(s, id, () => conflicts++));
      return out;
    };
    const [ba, bb] = await Promise.all([claim(a, 1), claim(b, 2)]);
    const all = [...ba, ...bb].sort((x, y) => x.blockStart - y.blockStart);
    expect(all.map((x) => x.blockStart)).toEqual(Array.from({ length: 16 }, (_, i) => i * PRODUCER_ID_BLOCK_SIZE));
    for (const x of all) expect(x.blockEnd - x.blockStart + 1).toBe(PRODUCER_ID_BLOCK_SIZE);
    expect(ba.every((x) => x.broker === 1) && bb.every((x) => x.broker === 2)).toBe(true);
  });

  it('re-reads and takes the following block when another broker wrote between its read and its write', async () => {
    const chroot = `/pid${++n}`;
    const a = await session(chroot);
    const b = await session(chroot);
    await createTopLevelPaths(a);
    await getNewProducerIdBlock(a, 1); // version 1: block 0-999
    let raced = false;
    const racing = Object.create(a) as ZkSession;
    racing.setData = async (path: string, data: Buffer | null, version?: number) => {
      if (!raced) { raced = true; await getNewProducerIdBlock(b, 2); } // broker 2 takes 1000-1999 first
      return a.setData(path, data, version);
    };
    const conflictVersions: number[] = [];
    expect(await getNewProducerIdBlock(racing, 1, (v) => conflictVersions.push(v))).toEqual({ broker: 1, blockStart: 2000, blockEnd: 2999 });
    expect(conflictVersions).toEqual([1]);
  });

  it('ProducerIdManagers of two brokers hand out unique ids across block boundaries', async () => {
    const chroot = `/pid${++n}`;
    const a = await session(chroot);
    const b = await session(chroot);
    await createTopLevelPaths(a);
    const ma = new ProducerIdManager(1, () => getNewProducerIdBlock(a, 1));
    const mb = new ProducerIdManager(2, () => getNewProducerIdBlock(b, 2));
    const ids = await Promise.all(Array.from({ length: 1500 }, (_, i) => (i % 2 === 0 ? ma : mb).generateProducerId()));
    expect(new Set(ids).size).toBe(1500);
    expect(ma.currentBlock!.blockStart).not.toBe(mb.currentBlock!.blockStart);
    expect(ids.every((id) => id >= 0n && id < 4000n)).toBe(true);
  });
});
