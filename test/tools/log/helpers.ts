/** Shared by the dump-log / log-dirs tests: Rafka-written partitions and CLI runners. */
import * as path from 'node:path';
import { Log } from '../../../src/services/log/log.js';
import { DEFAULT_LOG_CONFIG, type LogConfig } from '../../../src/services/log/log-config.js';
import { buildRecordBatch, type RecordInput } from '../../../src/services/log/record-batch.js';

export const T0 = 1_700_000_000_000;

/**
 * Write `batches` batches of `perBatch` records into `<root>/<topic>-0` with the real Log (small segments and a
 * small index interval so there are several segments with index entries). Record i: key `k<i>`, value `v<i>`
 * (batch 1 also carries a header and a binary key), timestamps T0 + offset.
 */
export function writeRafkaPartition(root: string, opts: { topic?: string; batches?: number; perBatch?: number; config?: Partial<LogConfig> } = {}): string {
  const topic = opts.topic ?? 'orders';
  const dir = path.join(root, `${topic}-0`);
  const config: LogConfig = { ...DEFAULT_LOG_CONFIG, segmentBytes: 300, indexIntervalBytes: 100, ...opts.config };
  const log = Log.create({ dir, topic, partition: 0, config });
  let offset = 0;
  for (let b = 0; b < (opts.batches ?? 8); b++) {
    const records: RecordInput[] = [];
    for (let i = 0; i < (opts.perBatch ?? 3); i++, offset++) {
      const r: RecordInput = { key: `k${offset}`, value: `v${offset}`, timestamp: T0 + offset };
      if (b === 1 && i === 0) {
        r.key = Buffer.from([0, 1, 2, 0xff]);
        r.headers = [{ key: 'trace', value: 'abc' }];
      }
      records.push(r);
    }
    log.appendAsLeader(buildRecordBatch({ records }), 3);
  }
  log.flush();
  log.close();
  return dir;
}

export type RunFn = (argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void }) => Promise<number>;

export async function runCli(run: RunFn, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run(argv, { out: (s) => { out += s; }, err: (s) => { err += s; } });
  return { code, out, err };
}
