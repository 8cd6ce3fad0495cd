/**
 * socket.send.buffer.bytes / socket.receive.buffer.bytes, as Kafka's SocketServer applies them: SO_RCVBUF on the
 * listening socket before connections arrive (Acceptor.openServerSocket; accepted sockets inherit it, and the
 * TCP window scale is chosen from it), SO_SNDBUF on each accepted socket (Acceptor.configureAcceptedSocketChannel).
 * -1 keeps the OS default, as Kafka's Selectable.USE_DEFAULT_BUFFER_SIZE.
 *
 * Differs from Kafka: Node offers no way to set these on TCP sockets (only on UDP), so they are set through the
 * native addon on the socket's file descriptor, after listen() rather than before bind (Linux still applies the
 * listener's SO_RCVBUF to every connection accepted afterwards). Without the addon (not built, RAFKA_NATIVE=0)
 * the OS defaults stay and {@link socketBufferSupport} says why, for one startup warning.
 */
import type { Server, Socket } from 'node:net';
import { nativeAddon } from '../log/native-addon.js';

interface SocketOptionsAddon {
  setSocketBuffer(fd: number, which: 0 | 1, bytes: number): void;
  getSocketBuffer(fd: number, which: 0 | 1): number;
}

export const SO_SNDBUF = 0;
export const SO_RCVBUF = 1;

const addon: SocketOptionsAddon | null =
  nativeAddon && typeof (nativeAddon as unknown as Partial<SocketOptionsAddon>).setSocketBuffer === 'function'
    ? (nativeAddon as unknown as SocketOptionsAddon)
    : null;

/** null when buffer sizes can be applied; else the reason they cannot (for a warning). */
export function socketBufferSupport(): string | null {
  return addon ? null : 'Node cannot set SO_SNDBUF/SO_RCVBUF on TCP sockets and the native addon (native/) is not loaded';
}

/** The file descriptor behind a net.Socket or net.Server (libuv handles on Unix), or null. */
function fdOf(handleOwner: Socket | Server): number | null {
  const fd = (handleOwner as unknown as { _handle?: { fd?: number } })._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : null;
}

/**
 * Sets `which` to `bytes` on the socket or listener (no-op for -1 or without the addon). Returns false when it
 * could not be applied (no addon, no fd); throws the setsockopt error.
 */
export function setSocketBuffer(target: Socket | Server, which: typeof SO_SNDBUF | typeof SO_RCVBUF, bytes: number): boolean {
  if (bytes === -1) return true;
  const fd = fdOf(target);
  if (!addon || fd === null) return false;
  addon.setSocketBuffer(fd, which, bytes);
  return true;
}

/** The kernel's value (Linux reports twice what was set), or null without the addon. For tests and diagnostics. */
export function getSocketBuffer(target: Socket | Server, which: typeof SO_SNDBUF | typeof SO_RCVBUF): number | null {
  const fd = fdOf(target);
  return addon && fd !== null ? addon.getSocketBuffer(fd, which) : null;
}
