/**
 * A log dir that fails while the broker runs (a real full filesystem: a small tmpfs) goes offline:
 * the broker writes a /log_dir_event_notification for the controller, the other dir keeps serving,
 * and the failed dir's partition answers with an error instead of taking the broker down.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, execFile } from 'node:child_process';
import { mkdirSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startZooKeeper, type ZooKeeperServer } from '../helpers/zookeeper-server.js';
import { stopAllBrokers } from '../helpers/broker-process.js';
import { brokerConfig, startBroker, started, inspectZk, cleanupAll, tempDir, eventually } from './support.js';

let zk: ZooKeeperServer;
const mounts: string[] = [];
beforeAll(async () => { zk = await startZooKeeper(); });
afterAll(async () => {
  await stopAllBrokers();
  for (const m of mounts) { try { execFileSync('umount', ['-l', m], { stdio: 'ignore' }); } catch { /* gone */ } }
  await cleanupAll();
  await zk?.close();
});

function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  try { execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' }); mounts.push(dir); return true; } catch { return false; }
}

const kcat = (args: string[], input?: string) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  const p = execFile('kcat', args, { timeout: 30_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }));
  if (input !== undefined) p.stdin!.end(input);
});

describe('log dir failure at runtime', () => {
  it('takes a full log dir offline, tells the controller, and keeps serving from the other dir', async (ctx) => {
    const dir = await tempDir();
    const small = join(dir, 'small');
    if (!mountTmpfs(small, '3m')) {
      if (process.env.CI) throw new Error('CI must be able to mount a tmpfs (root) for this test');
      ctx.skip();
    }
    const big = join(dir, 'big');
    const b = await brokerConfig(zk, { 'log.segment.bytes': '1048576', 'log.index.size.max.bytes': '65536' }, { logDirs: [big, small] });
    const broker = startBroker(b);
    await broker.waitForLog(started);
    const bootstrap = b.props.listeners.replace('PLAINTEXT://', '');
    // Two partitions: new logs go to the dir with the fewest partitions, so one lands in each dir.
    const { Kafka, logLevel } = await import('kafkajs');
    const admin = new Kafka({ brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'fill', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    await eventually(async () => readdirSync(small).some((d) => d.startsWith('fill-')), 10_000, 'a partition in the small dir');
    const smallPartition = Number(readdirSync(small).find((d) => d.startsWith('fill-'))!.split('-')[1]);
    const bigPartition = 1 - smallPartition;
    // Fill the small filesystem through the broker until a write fails.
    writeFileSync(join(small, 'ballast'), Buffer.alloc(2600 * 1024)); // leaves a few hundred KiB
    const payload = `${'x'.repeat(900)}\n`.repeat(400);
    for (let i = 0; i < 10 && !broker.logs.some((l) => /is offline/.test(l.msg)); i++) {
      await kcat(['-b', bootstrap, '-P', '-t', 'fill', '-p', String(smallPartition), '-X', 'message.timeout.ms=2000'], payload);
    }
    const offline = await broker.waitForLog((l) => l.actor === 'logDirFailureChannel' && l.dir === small && /is offline/.test(l.msg), 20_000);
    expect(String(offline.err)).toMatch(/ENOSPC|no space/i);
    const s = await inspectZk(zk, b.chroot);
    // The notification (its JSON is unit-tested in kafka-zk-client.test) is processed and deleted by the controller
    // (this broker), which learns from its LeaderAndIsr answer that the replica is offline: no other replica can lead,
    // so the partition goes offline (leader -1, ISR kept), as Kafka's onReplicasBecomeOffline.
    const wrote = await broker.waitForLog((l) => l.actor === 'logDirFailureChannel' && /Wrote log dir event notification/.test(l.msg), 10_000);
    expect(String(wrote.znode)).toMatch(/^\/log_dir_event_notification\/log_dir_event_\d{10}$/);
    await eventually(async () => ((await s.getChildren('/log_dir_event_notification')).length === 0 ? true : null), 10_000, 'the notification processed and deleted');
    await eventually(async () => {
      const st = JSON.parse((await s.getData(`/brokers/topics/fill/partitions/${smallPartition}/state`)).data!.toString());
      return st.leader === -1 && JSON.stringify(st.isr) === '[1]' ? st : null;
    }, 10_000, 'the partition on the failed dir offline (leader -1)');
    // The other dir keeps serving; the broker stays up.
    const ok = await kcat(['-b', bootstrap, '-P', '-t', 'fill', '-p', String(bigPartition)], 'still-works\n');
    expect(ok.code, ok.stderr).toBe(0);
    const back = await kcat(['-b', bootstrap, '-C', '-t', 'fill', '-p', String(bigPartition), '-e', '-o', 'beginning']);
    expect(back.stdout).toContain('still-works');
    const failed = await kcat(['-b', bootstrap, '-P', '-t', 'fill', '-p', String(smallPartition), '-X', 'message.timeout.ms=3000'], 'lost?\n');
    expect(failed.code).not.toBe(0);
    expect(broker.exited).toBe(false);
    expect(await broker.stop()).toBe(0);
  }, 90_000);
});
