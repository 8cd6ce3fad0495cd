/**
 * One request in flight on a client socket (Kafka's NetworkClient with max.in.flight = 1, as the controller's
 * RequestSendThread and the broker's node-to-controller channels use it): write a request frame, resolve with the
 * body of the next response frame (its size prefix stripped). Rejects with `fail('closed')` when the socket closes
 * first and with `fail('timeout')` when no whole response arrives within `timeoutMs`.
 */
import type { Socket } from 'node:net';

export function sendOneRequest(socket: Socket, frame: Buffer, timeoutMs: number, fail: (why: 'closed' | 'timeout') => Error): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    const cleanup = () => { clearTimeout(timer); socket.off('data', onData); socket.off('close', onClose); };
    const onData = (d: Buffer) => {
      buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) return;
      cleanup();
      resolve(buf.subarray(4, 4 + size));
    };
    const onClose = () => { cleanup(); reject(fail('closed')); };
    const timer = setTimeout(() => { cleanup(); reject(fail('timeout')); }, timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.write(frame);
  });
}
