import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import {
  InconsistentBrokerIdException,
  InconsistentBrokerMetadataException,
  InconsistentClusterIdException,
  javaDateString,
  loadAllMetaProperties,
  loadMetaProperties,
  parseJavaProperties,
  storedBrokerId,
  verifyMetaProperties,
  writeMetaProperties,
  type MetaPropertiesState,
} from '../../../src/services/log/meta-properties.js';
import { COMPAT_DIR, makeTmpDir, rmrf } from './tmp.js';

let tmp: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await rmrf(tmp);
});

async function dirWith(name: string, content: string): Promise<string> {
  const d = path.join(tmp, name);
  await fsp.mkdir(d, { recursive: true });
  await fsp.writeFile(path.join(d, 'meta.properties'), content);
  return d;
}

describe('loadMetaProperties', () => {
  it('reads the file written by real Kafka 2.7.1', async () => {
    const s = await loadMetaProperties(COMPAT_DIR);
    expect(s).toEqual({ dir: COMPAT_DIR, kind: 'normal', props: { version: 0, brokerId: 0, clusterId: 'd0053poFTbGwSWThjV1DEg' } });
  });

  it('missing dir or missing file → empty', async () => {
    expect(await loadMetaProperties(path.join(tmp, 'nope'))).toEqual({ dir: path.join(tmp, 'nope'), kind: 'empty' });
    expect(await loadMetaProperties(tmp)).toEqual({ dir: tmp, kind: 'empty' });
  });

  it('missing version means 0; cluster.id optional in v0', async () => {
    const d = await dirWith('a', 'broker.id=7\n');
    expect(await loadMetaProperties(d)).toMatchObject({ kind: 'normal', props: { version: 0, brokerId: 7 } });
  });

  it('a dir that is a regular file → error naming the file', async () => {
    const f = path.join(tmp, 'file');
    await fsp.writeFile(f, 'x');
    const s = await loadMetaProperties(f);
    expect(s.kind).toBe('error');
    if (s.kind === 'error') {
      expect(s.error.message).toContain(path.join(f, 'meta.properties'));
      expect(s.error.message).toMatch(/ENOTDIR/);
    }
  });

  it('meta.properties being a directory → error', async () => {
    await fsp.mkdir(path.join(tmp, 'meta.properties'));
    expect((await loadMetaProperties(tmp)).kind).toBe('error');
  });

  it.each([
    ['unknown version', 'version=2\nbroker.id=1\n', 'Unknown meta.properties version number 2'],
    ['bad version string', 'version=x\n', "Invalid meta.properties version string 'x'"],
    ['non-int broker.id', 'version=0\nbroker.id=abc\n', 'Unable to read broker.id as a base-10 number.'],
    ['broker.id overflow', 'broker.id=2147483648\n', 'Unable to read broker.id as a base-10 number.'],
    ['broker.id with trailing space (Properties keeps it)', 'broker.id=1 \n', 'Unable to read broker.id as a base-10 number.'],
    ['bad directory.id', 'broker.id=1\ndirectory.id=xyz\n', 'Unable to read directory.id as a Uuid'],
    ['v1 without cluster.id', 'version=1\nnode.id=1\n', 'cluster.id was not found.'],
    ['bad unicode escape', 'cluster.id=\\u12\n', 'Malformed \\uxxxx encoding.'],
    ['v1 without node.id', 'version=1\ncluster.id=abc\n', 'Failed to find node.id'],
  ])('%s → error', async (_name, content, msg) => {
    const d = await dirWith('bad', content);
    const s = await loadMetaProperties(d);
    expect(s.kind).toBe('error');
    if (s.kind === 'error') {
      expect(s.error.message).toContain(path.join(d, 'meta.properties'));
      expect(s.error.message).toContain(msg);
    }
  });

  it('v1 uses node.id', async () => {
    const d = await dirWith('v1', 'version=1\nnode.id=3\ncluster.id=abc\n');
    expect(await loadMetaProperties(d)).toMatchObject({ kind: 'normal', props: { version: 1, brokerId: 3, clusterId: 'abc' } });
  });

  it('loadAllMetaProperties requires at least one dir', async () => {
    await expect(loadAllMetaProperties([])).rejects.toThrow('You must specify at least one log directory.');
  });
});

describe('parseJavaProperties', () => {
  it('follows Properties.load rules', () => {
    const m = parseJavaProperties('# c\n! c2\n  a = 1\nb:2\nc 3\nd\\=x=4\ne=multi\\\n   line\nf=\\u0041\\t\r\ng\n');
    expect([...m]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
      ['d=x', '4'],
      ['e', 'multiline'],
      ['f', 'A\t'],
      ['g', ''],
    ]);
  });
});

describe('verifyMetaProperties', () => {
  const n = (dir: string, props: object): MetaPropertiesState => ({ dir, kind: 'normal', props: { version: 0, ...props } });

  it('accepts consistent dirs, ignores empty and error dirs', () => {
    const states: MetaPropertiesState[] = [
      n('/a', { brokerId: 1, clusterId: 'c' }),
      { dir: '/b', kind: 'empty' },
      { dir: '/c', kind: 'error', error: new Error('x') },
      n('/d', { brokerId: 1 }),
    ];
    expect(() => verifyMetaProperties(states, { clusterId: 'c', brokerId: 1 })).not.toThrow();
    expect(() => verifyMetaProperties(states, { clusterId: 'c' })).not.toThrow();
    expect(() => verifyMetaProperties(states, { clusterId: 'c', brokerId: -1 })).not.toThrow();
  });

  it('cluster id mismatch', () => {
    expect(() => verifyMetaProperties([n('/a', { clusterId: 'x' })], { clusterId: 'zk' })).toThrow(
      new InconsistentClusterIdException('Invalid cluster.id in: /a/meta.properties. Expected zk, but read x'),
    );
  });

  it('broker id mismatch with config', () => {
    const f = () => verifyMetaProperties([n('/a', { brokerId: 2 })], { clusterId: 'c', brokerId: 5 });
    expect(f).toThrow(InconsistentBrokerIdException);
    expect(f).toThrow(
      "Stored node id 2 doesn't match previous node id 5 in /a/meta.properties. If you moved your data, make sure your configured node id matches. If you intend to create a new node, you should remove all data in your data directories.",
    );
  });

  it('broker ids disagreeing between dirs (sorted by dir)', () => {
    const f = () => verifyMetaProperties([n('/b', { brokerId: 2 }), n('/a', { brokerId: 1 })], { clusterId: 'c' });
    expect(f).toThrow(InconsistentBrokerMetadataException);
    expect(f).toThrow("Stored node id 2 doesn't match previous node id 1 in /b/meta.properties.");
  });

  it('version must be 0', () => {
    expect(() => verifyMetaProperties([{ dir: '/a', kind: 'normal', props: { version: 1, brokerId: 1, clusterId: 'c' } }], { clusterId: 'c' })).toThrow(
      new InconsistentBrokerMetadataException(
        'Found unexpected version in /a/meta.properties. ZK-based brokers that are not migrating only support version 0 (which is implicit when the `version` field is missing).',
      ),
    );
  });

  it('duplicate and reserved directory ids', () => {
    expect(() =>
      verifyMetaProperties([n('/a', { directoryId: 'MkU3OEVBNTcwNTJENDM2Qg' }), n('/b', { directoryId: 'MkU3OEVBNTcwNTJENDM2Qg' })], { clusterId: 'c' }),
    ).toThrow('Duplicate directory ID Optional[MkU3OEVBNTcwNTJENDM2Qg] found. It was the ID of /a, but also of /b');
    expect(() => verifyMetaProperties([n('/a', { directoryId: 'AAAAAAAAAAAAAAAAAAAAAQ' })], { clusterId: 'c' })).toThrow(
      InconsistentBrokerMetadataException,
    );
  });

  it('storedBrokerId returns the first id in dir order', () => {
    expect(storedBrokerId([{ dir: '/0', kind: 'empty' }, n('/z', { brokerId: 9 }), n('/b', { brokerId: 4 })])).toBe(4);
    expect(storedBrokerId([{ dir: '/0', kind: 'empty' }, n('/a', {})])).toBeUndefined();
  });
});

describe('writeMetaProperties', () => {
  it('writes Java Properties.store format atomically, creating the dir', async () => {
    const d = path.join(tmp, 'x', 'y');
    const now = new Date(Date.UTC(2024, 9, 25, 3, 33, 1));
    expect(await writeMetaProperties(d, { brokerId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk' }, now)).toBe(true);
    expect(await fsp.readFile(path.join(d, 'meta.properties'), 'utf8')).toBe(
      '#\n#Fri Oct 25 03:33:01 UTC 2024\nversion=0\nbroker.id=1\ncluster.id=MkU3OEVBNTcwNTJENDM2Qk\n',
    );
    expect(await fsp.readdir(d)).toEqual(['meta.properties']); // no .tmp left behind
    expect(await loadMetaProperties(d)).toEqual({ dir: d, kind: 'normal', props: { version: 0, brokerId: 1, clusterId: 'MkU3OEVBNTcwNTJENDM2Qk' } });
  });

  it('does not rewrite an unchanged file (Kafka-written, different key order)', async () => {
    const d = path.join(tmp, 'k');
    await fsp.cp(path.join(COMPAT_DIR, 'meta.properties'), path.join(d, 'meta.properties'), { recursive: true });
    const before = await fsp.readFile(path.join(d, 'meta.properties'), 'utf8');
    expect(await writeMetaProperties(d, { brokerId: 0, clusterId: 'd0053poFTbGwSWThjV1DEg' })).toBe(false);
    expect(await fsp.readFile(path.join(d, 'meta.properties'), 'utf8')).toBe(before);
    expect(await writeMetaProperties(d, { brokerId: 1, clusterId: 'd0053poFTbGwSWThjV1DEg' })).toBe(true);
    expect(await loadMetaProperties(d)).toMatchObject({ props: { brokerId: 1 } });
  });

  it('fails when the dir cannot be created (parent is a regular file)', async () => {
    const f = path.join(tmp, 'file');
    await fsp.writeFile(f, '');
    await expect(writeMetaProperties(path.join(f, 'd'), { brokerId: 1, clusterId: 'c' })).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('javaDateString pads like java.util.Date', () => {
    expect(javaDateString(new Date(Date.UTC(2023, 5, 3, 4, 5, 6)))).toBe('Sat Jun 03 04:05:06 UTC 2023');
  });
});
