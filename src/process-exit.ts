/**
 * The CLI's last resort once the work is done: if something still keeps the process alive a moment
 * after `main` returned — typically a thread-pool thread blocked in open() on a hung disk, which
 * also makes process.exit() hang (Node joins the pool on exit) — end it with _exit(code) so the
 * clean shutdown's exit code still reaches the operator. Without the native addon, SIGKILL.
 */
import { nativeAddon } from './services/log/native-addon.js';

/** How long a finished process may take to exit by itself (stragglers: sockets closing, log flushes). */
export const EXIT_GRACE_MS = 1000;

export function exitWhenStuck(code: number, graceMs = EXIT_GRACE_MS): void {
  setTimeout(() => {
    process.stderr.write(`rafka: still running ${graceMs} ms after it finished (a thread stuck in a system call, e.g. on a hung disk); exiting with code ${code}\n`);
    if (nativeAddon?.exitImmediately) nativeAddon.exitImmediately(code);
    process.kill(process.pid, 'SIGKILL');
  }, graceMs).unref(); // an unref'd timer: a process that ends by itself is not delayed
}
