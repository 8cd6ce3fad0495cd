import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import {
  deleteDirName,
  futureDirName,
  InvalidPartitionDirError,
  listPartitionDirs,
  parsePartitionDirName,
  strayDirName,
} from '../../../src/services/log/partition-dir.js';
import { COMPAT_DIR, makeTmpDir, rmrf } from './tmp.js';

let tmp: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await rmrf(tmp);
});

const ID = '0123456789abcdef0123456789abcdef';

describe('parsePartitionDirName', () => {
  it.each([
    ['orders-0', { topic: 'orders', partition: 0, kind: 'current' }],
    ['my-topic.v2-12', { topic: 'my-topic.v2', partition: 12, kind: 'current' }],
    ['__consumer_offsets-49', { topic: '__consumer_offsets', partition: 49, kind: 'current' }],
    [`orders-3.${ID}-delete`, { topic: 'orders', partition: 3, kind: 'delete' }],
    [`a-b.c-3.${ID}-future`, { topic: 'a-b.c', partition: 3, kind: 'future' }],
    [`orders-1.${ID}-stray`, { topic: 'orders', partition: 1, kind: 'stray' }],
  ])('%s', (name, expected) => {
    expect(parsePartitionDirName(`/logs/${name}`)).toEqual(expected);
  });

  it.each(['orders', '-0', 'orders-', 'orders-x', 'orders-2147483648', 'orders-0-delete', `orders-0.${ID}-delete.bak`, `orders-0.-delete`, 'orders0.x-future'])(
    '%s is rejected with Kafka\'s message',
    (name) => {
      const f = () => parsePartitionDirName(`/logs/${name}`);
      expect(f).toThrow(InvalidPartitionDirError);
      expect(f).toThrow(
        `Found directory /logs/${name}, '${name}' is not in the form of topic-partition or topic-partition.uniqueId-delete (if marked for deletion).\nKafka's log directories (and children) should only contain Kafka topic data.`,
      );
    },
  );

  it('generated names parse back', () => {
    expect(parsePartitionDirName(deleteDirName('t-x', 7))).toEqual({ topic: 't-x', partition: 7, kind: 'delete' });
    expect(parsePartitionDirName(futureDirName('t', 0))).toEqual({ topic: 't', partition: 0, kind: 'future' });
    expect(parsePartitionDirName(strayDirName('t', 1))).toEqual({ topic: 't', partition: 1, kind: 'stray' });
    expect(deleteDirName('orders', 3, ID)).toBe(`orders-3.${ID}-delete`);
    expect(futureDirName('orders', 3, ID)).toBe(`orders-3.${ID}-future`);
  });

  it('delete/stray names are capped at 255 chars by truncating the topic; future is not', () => {
    const topic = 'x'.repeat(249);
    const d = deleteDirName(topic, 10, ID);
    expect(d.length).toBe(255);
    expect(d.endsWith(`-10.${ID}-delete`)).toBe(true);
    expect(strayDirName(topic, 10, ID).length).toBe(255);
    expect(futureDirName(topic, 10, ID).length).toBe(249 + 3 + 1 + 32 + 7);
  });
});

describe('listPartitionDirs', () => {
  it('lists the 53 partitions of the Kafka 2.7.1 fixture', async () => {
    const dirs = await listPartitionDirs(COMPAT_DIR);
    expect(dirs).toHaveLength(53);
    expect(dirs.every((d) => d.kind === 'current')).toBe(true);
    expect(dirs.find((d) => d.name === 'myTopic-0')).toEqual({
      name: 'myTopic-0',
      path: path.join(COMPAT_DIR, 'myTopic-0'),
      topic: 'myTopic',
      partition: 0,
      kind: 'current',
    });
  });

  it('skips files, remote-log-index-cache and __cluster_metadata; keeps suffixed dirs', async () => {
    for (const d of ['t-0', `t-1.${ID}-delete`, `t-0.${ID}-future`, 'remote-log-index-cache', '__cluster_metadata-0']) {
      await fsp.mkdir(path.join(tmp, d));
    }
    await fsp.writeFile(path.join(tmp, 'meta.properties'), '');
    await fsp.writeFile(path.join(tmp, '.lock'), '');
    await fsp.writeFile(path.join(tmp, 'not-a-dir'), '');
    await fsp.symlink(path.join(tmp, 'missing'), path.join(tmp, 'dangling'));
    const dirs = await listPartitionDirs(tmp);
    expect(dirs.map((d) => [d.name, d.kind])).toEqual([
      ['t-0', 'current'],
      [`t-0.${ID}-future`, 'future'],
      [`t-1.${ID}-delete`, 'delete'],
    ]);
  });

  it('a stray non-partition directory is fatal', async () => {
    await fsp.mkdir(path.join(tmp, 'lost+found'));
    await expect(listPartitionDirs(tmp)).rejects.toThrow(new InvalidPartitionDirError(path.join(tmp, 'lost+found')));
  });

  it('I/O errors propagate', async () => {
    await expect(listPartitionDirs(path.join(tmp, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
