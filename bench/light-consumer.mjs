// A consumer light enough not to be the bottleneck of a fetch benchmark (issue 17): one Fetch in flight on one
// connection, as librdkafka does per broker, records not decoded — only the last batch's offset is read to continue
// from. Reads a partition from `offset` until `untilOffset` and returns the bytes and seconds.
//   import { lightConsume } from './light-consumer.mjs';
//   const { bytes, secs } = await lightConsume({ host, port, topic, partition: 0, untilOffset: 524288n });
import { connect } from 'node:net';
import { encodeRequest, decodeResponse } from '../dist/protocol/frame.js';

const FETCH = 1;
const VERSION = 11;

export function lightConsume({ host = '127.0.0.1', port, topic, partition = 0, offset = 0n, untilOffset, maxBytes = 52428800, partitionMaxBytes = 10485760 }) {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, noDelay: true });
    let next = offset; let bytes = 0; let corr = 0; const t0 = performance.now();
    let chunks = []; let have = 0; let need = -1;
    const send = () => {
      sock.write(encodeRequest({ requestApiKey: FETCH, requestApiVersion: VERSION, correlationId: ++corr, clientId: 'light-consumer' }, {
        replicaId: -1, maxWaitMs: 500, minBytes: 1, maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: next, logStartOffset: -1n, partitionMaxBytes }] }],
        forgottenTopicsData: [], rackId: '',
      }));
    };
    sock.on('error', reject);
    sock.on('connect', send);
    sock.on('data', (d) => {
      chunks.push(d); have += d.length;
      if (need < 0 && have >= 4) need = 4 + (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)).readInt32BE(0);
      if (need < 0 || have < need) return;
      const frame = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, have);
      chunks = []; have = 0; need = -1;
      const body = decodeResponse(frame.subarray(4), FETCH, VERSION).body;
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
    });
  });
}
