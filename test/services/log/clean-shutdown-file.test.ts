import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import {
  deleteCleanShutdownFile,
  hasCleanShutdownFile,
  readCleanShutdownBrokerEpoch,
  writeCleanShutdownFile,
} from '../../../src/services/log/clean-shutdown-file.js';
import { COMPAT_DIR, makeTmpDir, rmrf } from './tmp.js';

let tmp: string;
beforeEach(async () => {
  tmp = await makeTmpDir();
});
afterEach(async () => {
  await rmrf(tmp);
});

describe('.kafka_cleanshutdown', () => {
  it('is absent in the unclean Kafka fixture', async () => {
    expect(await hasCleanShutdownFile(COMPAT_DIR)).toBe(false);
  });

  it('write / has / read / delete', async () => {
    expect(await hasCleanShutdownFile(tmp)).toBe(false);
    await writeCleanShutdownFile(tmp);
    expect(await fsp.readFile(path.join(tmp, '.kafka_cleanshutdown'), 'utf8')).toBe('{"version":0,"brokerEpoch":-1}');
    expect(await hasCleanShutdownFile(tmp)).toBe(true);
    expect(await readCleanShutdownBrokerEpoch(tmp)).toBe(-1n);
    await writeCleanShutdownFile(tmp, 4294967296n);
    expect(await readCleanShutdownBrokerEpoch(tmp)).toBe(4294967296n);
    await deleteCleanShutdownFile(tmp);
    expect(await hasCleanShutdownFile(tmp)).toBe(false);
    await deleteCleanShutdownFile(tmp); // idempotent
  });

  it('an empty (pre-3.7) marker counts and reads epoch -1', async () => {
    await fsp.writeFile(path.join(tmp, '.kafka_cleanshutdown'), '');
    expect(await hasCleanShutdownFile(tmp)).toBe(true);
    expect(await readCleanShutdownBrokerEpoch(tmp)).toBe(-1n);
    await fsp.writeFile(path.join(tmp, '.kafka_cleanshutdown'), '{garbage');
    expect(await readCleanShutdownBrokerEpoch(tmp)).toBe(-1n);
  });

  it('write into a missing dir fails; has() on a file path is false', async () => {
    await expect(writeCleanShutdownFile(path.join(tmp, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await fsp.writeFile(path.join(tmp, 'f'), '');
    expect(await hasCleanShutdownFile(path.join(tmp, 'f'))).toBe(false);
  });
});
