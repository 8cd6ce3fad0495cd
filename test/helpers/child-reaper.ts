/** Child processes started by tests die with the test process, even when a test forgets them. */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) {
        try { c.kill('SIGKILL'); } catch { /* already gone */ }
      }
    });
  }
  live.add(child);
}

export function untrackChild(child: ChildProcess): void {
  live.delete(child);
}
