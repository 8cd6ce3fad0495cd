import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PartitionMetadataError, readPartitionMetadata, writePartitionMetadata } from '../../../src/services/log/partition-metadata-file.js';
import { makeTmpDir, rmrf } from './tmp.js';

const cleanup: string[] = [];
afterEach(async () => {
  while (cleanup.length) await rmrf(cleanup.pop()!);
});

describe('partition.metadata', () => {
  it('writes exactly "version: 0\\ntopic_id: <id>" and reads it back; absent → null', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    expect(readPartitionMetadata(d)).toBeNull();
    writePartitionMetadata(d, 'kDJQNLzlQk6uIZqTxo3EPQ');
    expect(readFileSync(path.join(d, 'partition.metadata'), 'utf8')).toBe('version: 0\ntopic_id: kDJQNLzlQk6uIZqTxo3EPQ');
    expect(readPartitionMetadata(d)).toBe('kDJQNLzlQk6uIZqTxo3EPQ');
  });

  it('rejects a bad version, malformed lines and the zero Uuid', async () => {
    const d = await makeTmpDir();
    cleanup.push(d);
    const f = path.join(d, 'partition.metadata');
    for (const text of ['version: 1\ntopic_id: kDJQNLzlQk6uIZqTxo3EPQ', 'version:0\ntopic_id: kDJQNLzlQk6uIZqTxo3EPQ', 'version: 0\ntopic_id: AAAAAAAAAAAAAAAAAAAAAA', 'version: 0\ntopic: x']) {
      writeFileSync(f, text);
      expect(() => readPartitionMetadata(d), text).toThrow(PartitionMetadataError);
    }
    expect(() => writePartitionMetadata(d, 'AAAAAAAAAAAAAAAAAAAAAA')).toThrow();
  });
});
