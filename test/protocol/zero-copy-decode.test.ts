// A Produce request's records are decoded as a slice of the frame, never copied (the speed of it is measured by
// bench/protocol-codec.mjs, not here).
import { expect, test } from 'vitest';
import { produceRequest } from '../../src/protocol/messages/produce.js';
import { codecFor } from '../../src/protocol/schema.js';

test('Produce v7 request: the records blob is a slice of the request bytes, not a copy', () => {
  const records = Buffer.alloc(16 * 1024, 0x5a);
  const c = codecFor(produceRequest);
  const bytes = c.encode({ transactionalId: null, acks: -1, timeoutMs: 30000, topicData: [{ name: 'orders', partitionData: [{ index: 0, records }] }] }, 7);
  const decoded = c.decode(bytes, 7).topicData[0]!.partitionData[0]!.records!;
  expect(decoded.buffer).toBe(bytes.buffer);
  expect(Buffer.compare(decoded, records)).toBe(0);
  bytes[bytes.length - 1] = 0x00; // the same memory: a change to the frame shows in the decoded records
  expect(decoded[decoded.length - 1]).toBe(0x00);
});
