import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CheckpointFile, CheckpointFileError, NumberFormatError, splitJavaWhitespace } from '../../../src/services/log/checkpoint-file.js';
import {
  ensureLogManagerCheckpoints,
  OffsetCheckpointFile,
  parseTopicPartitionKey,
  readLeaderEpochCheckpoint,
  topicPartitionKey,
  writeLeaderEpochCheckpoint,
} from '../../../src/services/log/offset-checkpoint-file.js';
import { COMPAT_DIR, makeTmpDir, rmrf } from './tmp.js';

let tmp: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await rmrf(tmp);
});

describe('reading real Kafka 2.7.1 checkpoints', () => {
  it('recovery-point-offset-checkpoint: 53 entries', async () => {
    const m = await new OffsetCheckpointFile(path.join(COMPAT_DIR, 'recovery-point-offset-checkpoint')).read();
    expect(m.size).toBe(53);
    expect(m.get('myTopic-0')).toBe(38n);
    expect(m.get('test_topic-0')).toBe(12n);
    expect(m.get('test_topic_0603-0')).toBe(9n);
    expect(m.get('__consumer_offsets-39')).toBe(18n);
    expect(m.get('__consumer_offsets-8')).toBe(3n);
    expect(m.get('__consumer_offsets-28')).toBe(3n);
    expect(m.get('__consumer_offsets-33')).toBe(3n);
    expect(m.get('__consumer_offsets-17')).toBe(1n);
    expect(m.get('__consumer_offsets-0')).toBe(0n);
    for (let p = 0; p < 50; p++) expect(m.has(`__consumer_offsets-${p}`)).toBe(true);
  });

  it('log-start-offset-checkpoint: no entries; replication: 53; cleaner: 3', async () => {
    expect((await new OffsetCheckpointFile(path.join(COMPAT_DIR, 'log-start-offset-checkpoint')).read()).size).toBe(0);
    expect((await new OffsetCheckpointFile(path.join(COMPAT_DIR, 'replication-offset-checkpoint')).read()).size).toBe(53);
    const cleaner = await new OffsetCheckpointFile(path.join(COMPAT_DIR, 'cleaner-offset-checkpoint')).readEntries();
    expect(cleaner).toEqual([
      { topic: '__consumer_offsets', partition: 28, offset: 2n },
      { topic: '__consumer_offsets', partition: 17, offset: 1n },
      { topic: '__consumer_offsets', partition: 39, offset: 18n },
    ]);
  });

  it('leader-epoch-checkpoint', async () => {
    expect(await readLeaderEpochCheckpoint(path.join(COMPAT_DIR, 'myTopic-0', 'leader-epoch-checkpoint'))).toEqual([
      { epoch: 0, startOffset: 38n },
    ]);
  });

  it('writing the parsed entries back reproduces the Kafka bytes', async () => {
    for (const name of ['recovery-point-offset-checkpoint', 'replication-offset-checkpoint', 'cleaner-offset-checkpoint', 'log-start-offset-checkpoint']) {
      const src = new OffsetCheckpointFile(path.join(COMPAT_DIR, name));
      const dst = new OffsetCheckpointFile(path.join(tmp, name));
      await dst.writeEntries(await src.readEntries());
      expect(await fsp.readFile(dst.path, 'utf8')).toBe(await fsp.readFile(src.path, 'utf8'));
    }
  });
});

describe('OffsetCheckpointFile', () => {
  it('round-trips topics with - and . and int64 offsets; no .tmp left', async () => {
    const f = new OffsetCheckpointFile(path.join(tmp, 'cp'));
    const m = new Map<string, bigint>([
      [topicPartitionKey('my-topic.v2', 10), 9223372036854775807n],
      [topicPartitionKey('a-1', 0), 0n],
      [topicPartitionKey('x', 2147483647), -1n],
    ]);
    await f.write(m);
    expect(await fsp.readFile(f.path, 'utf8')).toBe('0\n3\nmy-topic.v2 10 9223372036854775807\na-1 0 0\nx 2147483647 -1\n');
    expect(await f.read()).toEqual(m);
    expect(await fsp.readdir(tmp)).toEqual(['cp']);
  });

  it('parseTopicPartitionKey splits at the last dash', () => {
    expect(parseTopicPartitionKey('a-1-2')).toEqual({ topic: 'a-1', partition: 2 });
    expect(parseTopicPartitionKey('__consumer_offsets-49')).toEqual({ topic: '__consumer_offsets', partition: 49 });
    expect(() => parseTopicPartitionKey('nodash')).toThrow();
    expect(() => parseTopicPartitionKey('-1')).toThrow();
    expect(() => parseTopicPartitionKey('t-x')).toThrow();
  });

  it('ensureExists creates an empty file that reads as empty, and keeps existing content', async () => {
    const f = new OffsetCheckpointFile(path.join(tmp, 'cp'));
    await expect(f.read()).rejects.toMatchObject({ code: 'ENOENT' });
    await f.ensureExists();
    expect(await fsp.readFile(f.path, 'utf8')).toBe('');
    expect((await f.read()).size).toBe(0);
    await f.write(new Map([['t-0', 5n]]));
    await f.ensureExists();
    expect(await f.read()).toEqual(new Map([['t-0', 5n]]));
  });

  it('concurrent writes are serialised (last one wins, file always valid)', async () => {
    const f = new OffsetCheckpointFile(path.join(tmp, 'cp'));
    await Promise.all(Array.from({ length: 20 }, (_, i) => f.write(new Map([[`t-${i}`, BigInt(i)]]))));
    expect(await f.read()).toEqual(new Map([['t-19', 19n]]));
  });

  it('write fails for a path whose parent is a regular file', async () => {
    await fsp.writeFile(path.join(tmp, 'file'), '');
    await expect(new OffsetCheckpointFile(path.join(tmp, 'file', 'cp')).write(new Map())).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});

describe('malformed checkpoint files', () => {
  async function readText(text: string): Promise<unknown> {
    const p = path.join(tmp, 'cp');
    await fsp.writeFile(p, text);
    return new OffsetCheckpointFile(p).read().then(
      (v) => v,
      (e: unknown) => e,
    );
  }
  const p = () => path.join(tmp, 'cp');

  it('empty file and version-only file read as empty', async () => {
    expect(await readText('')).toEqual(new Map());
    expect(await readText('0\n')).toEqual(new Map());
    expect(await readText('0')).toEqual(new Map());
  });

  it('unrecognised version', async () => {
    const e = await readText('1\n0\n');
    expect(e).toBeInstanceOf(CheckpointFileError);
    expect((e as Error).message).toBe(`Unrecognised version:1, expected version: 0 in checkpoint file at: ${p()}`);
  });

  it.each([
    ['non-integer version', 'x\n0\n', 'x'],
    ['non-integer count', '0\nabc\n', 'abc'],
    ['too few fields', '0\n1\ntopic 0\n', 'topic 0'],
    ['too many fields', '0\n1\ntopic 0 1 2\n', 'topic 0 1 2'],
    ['leading whitespace adds an empty field', '0\n1\n topic 0 1\n', ' topic 0 1'],
    ['blank entry line', '0\n2\nt 0 1\n\n', ''],
  ])('%s → Malformed line', async (_n, text, line) => {
    const e = await readText(text);
    expect(e).toBeInstanceOf(CheckpointFileError);
    expect((e as Error).message).toBe(`Malformed line in checkpoint file [${p()}]: ${line}`);
  });

  it('count mismatch', async () => {
    const e = await readText('0\n3\nt 0 1\nt 1 2\n');
    expect(e).toBeInstanceOf(CheckpointFileError);
    expect((e as Error).message).toBe(`Expected [3] entries in checkpoint file [${p()}], but found only [2]`);
    expect(((await readText('0\n0\nt 0 1\n')) as Error).message).toBe(`Expected [0] entries in checkpoint file [${p()}], but found only [1]`);
  });

  it('non-numeric partition/offset is a NumberFormatError (not an I/O-style error)', async () => {
    const e = await readText('0\n1\nt x 1\n');
    expect(e).toBeInstanceOf(NumberFormatError);
    expect((e as Error).message).toBe('For input string: "x"');
    expect(await readText('0\n1\nt 0 9223372036854775808\n')).toBeInstanceOf(NumberFormatError);
  });

  it('tabs / multiple spaces and trailing whitespace are accepted; CRLF too', async () => {
    expect(await readText('0\r\n1\r\nt\t0   7  \r\n')).toEqual(new Map([['t-0', 7n]]));
  });

  it('splitJavaWhitespace mirrors String.split("\\\\s+")', () => {
    expect(splitJavaWhitespace('a b')).toEqual(['a', 'b']);
    expect(splitJavaWhitespace(' a')).toEqual(['', 'a']);
    expect(splitJavaWhitespace('a  ')).toEqual(['a']);
    expect(splitJavaWhitespace('')).toEqual(['']);
  });
});

describe('leader-epoch-checkpoint', () => {
  it('round-trips', async () => {
    const p = path.join(tmp, 'leader-epoch-checkpoint');
    const entries = [
      { epoch: 0, startOffset: 0n },
      { epoch: 3, startOffset: 1500n },
    ];
    await writeLeaderEpochCheckpoint(p, entries);
    expect(await fsp.readFile(p, 'utf8')).toBe('0\n2\n0 0\n3 1500\n');
    expect(await readLeaderEpochCheckpoint(p)).toEqual(entries);
  });

  it('rejects a 3-field line', async () => {
    const p = path.join(tmp, 'leader-epoch-checkpoint');
    await fsp.writeFile(p, '0\n1\n0 0 0\n');
    await expect(readLeaderEpochCheckpoint(p)).rejects.toThrow(`Malformed line in checkpoint file [${p}]: 0 0 0`);
  });

  it('generic CheckpointFile honours a format returning null', async () => {
    const p = path.join(tmp, 'g');
    const f = new CheckpointFile<string>(p, 2, { fieldCount: 1, toLine: (s) => s, fromLine: (fl) => (fl[0] === 'bad' ? null : fl[0]!) });
    await f.write(['a', 'b']);
    expect(await fsp.readFile(p, 'utf8')).toBe('2\n2\na\nb\n');
    expect(await f.read()).toEqual(['a', 'b']);
    await fsp.writeFile(p, '2\n1\nbad\n');
    await expect(f.read()).rejects.toThrow(`Malformed line in checkpoint file [${p}]: bad`);
  });
});

describe('ensureLogManagerCheckpoints', () => {
  it('creates the two files empty if missing and keeps existing ones', async () => {
    await fsp.writeFile(path.join(tmp, 'recovery-point-offset-checkpoint'), '0\n1\nt 0 5\n');
    const { recoveryPoint, logStartOffset } = await ensureLogManagerCheckpoints(tmp);
    expect(await recoveryPoint.read()).toEqual(new Map([['t-0', 5n]]));
    expect(await fsp.readFile(logStartOffset.path, 'utf8')).toBe('');
    expect((await fsp.readdir(tmp)).sort()).toEqual(['log-start-offset-checkpoint', 'recovery-point-offset-checkpoint']);
  });
});
