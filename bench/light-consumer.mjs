// A consumer light enough not to be the bottleneck of a fetch benchmark (issue 17): one Fetch in flight on one
// connection, as librdkafka does per broker, responses read by the kernel into one reused buffer (as the follower's
// ResponseReceiver, inlined so the script also runs against older builds), records not decoded — only the batch
// headers are walked to find where to continue. Reads a partition from `offset` until `untilOffset` and returns the bytes and seconds.
//   import { lightConsume } from './light-consumer.mjs';
//   const { bytes, secs } = await lightConsume({ host, port, topic, partition: 0, untilOffset: 524288n });
import { connect } from 'node:net';
import { encodeRequest, decodeResponse } from '../dist/protocol/frame.js';

const FETCH = 1;
const VERSION = 11;

export function lightConsume({ host = '127.0.0.1', port, topic, partition = 0, offset = 0n, untilOffset, maxBytes = 52428800, partitionMaxBytes = 10485760 }) {
  return new Promise((resolve, reject) => {
    let next = offset; let bytes = 0; let corr = 0; const t0 = performance.now();
    // onread: the size prefix lands in `head`, the rest of the response straight in `big` (reused for every response)
    const head = Buffer.allocUnsafe(65536); let headHave = 0; let frame = null; let filled = 0; const big = Buffer.allocUnsafe(partitionMaxBytes + (1 << 20));
    const nextBuffer = () => (frame !== null ? frame.subarray(filled) : head.subarray(headHave));
    const onRead = (n) => {
      if (frame !== null) { filled += n; if (filled === frame.length) { const f = frame; frame = null; onFrame(f); } return; }
      headHave += n;
      if (headHave < 4) return;
      const size = head.readInt32BE(0);
      frame = size <= big.length ? big.subarray(0, size) : Buffer.allocUnsafe(size);
      filled = head.copy(frame, 0, 4, headHave);
      headHave = 0;
      if (filled === size) { const f = frame; frame = null; onFrame(f); }
    };
    const sock = connect({ host, port, noDelay: true, onread: { buffer: nextBuffer, callback: (n) => { onRead(n); return true; } } });
    const send = () => {
      sock.write(encodeRequest({ requestApiKey: FETCH, requestApiVersion: VERSION, correlationId: ++corr, clientId: 'light-consumer' }, {
        replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: next, logStartOffset: -1n, partitionMaxBytes }] }],
        forgottenTopicsData: [], rackId: '',
      }));
    };
    sock.on('error', reject);
    sock.on('connect', send);
    const onFrame = (frame) => {
      const body = decodeResponse(frame, FETCH, VERSION).body;
      const p = body.responses[0]?.partitions[0];
      if (!p || p.errorCode !== 0) { sock.destroy(); reject(new Error(`fetch error ${p?.errorCode ?? body.errorCode}`)); return; }
      const r = p.records ?? Buffer.alloc(0);
      // walk the batch headers only: base offset (8) + length (4) ... last offset delta at byte 23
      let pos = 0;
      while (pos + 61 <= r.length) {
        const len = r.readInt32BE(pos + 8);
        if (pos + 12 + len > r.length) break;
        next = r.readBigInt64BE(pos) + BigInt(r.readInt32BE(pos + 23)) + 1n;
        pos += 12 + len;
      }
      bytes += pos;
      if (next >= untilOffset) { sock.destroy(); resolve({ bytes, secs: (performance.now() - t0) / 1000 }); return; }
      send();
    };
  });
}
