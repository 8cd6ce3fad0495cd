// Paced request sender for the latency benches (bench/produce-fetch.mjs, bench/metrics-quota.mjs): copies of one
// encoded request (its size-prefixed frame) go out on one socket at `ratePerSec`, each with its correlation id
// patched in place (ids 1..total; no encode per request), the ones due since the last turn written as one burst.
// `sentAt[id]` gets each request's send time (performance.now()), for the latency of its response. Resolves when
// all `total` are written. Kept light so that the tail the benches measure is the broker's, not this client's.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Offset of the correlation id in a size-prefixed request frame: size(4) apiKey(2) apiVersion(2). */
const CORRELATION_ID_OFFSET = 8;

export async function sendPaced(sock, template, { ratePerSec, total, sentAt }) {
  let sent = 0;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(Math.floor(((performance.now() - t0) * ratePerSec) / 1000), total);
    if (due > sent) {
      const burst = Buffer.allocUnsafe((due - sent) * template.length);
      const now = performance.now();
      for (let o = 0; sent < due; o += template.length) {
        const id = ++sent;
        template.copy(burst, o);
        burst.writeInt32BE(id, o + CORRELATION_ID_OFFSET);
        sentAt[id] = now;
      }
      sock.write(burst);
    }
    await sleep(1);
  }
}
