/**
 * scripts/setup.sh --test must not let `&& npm test` start when it cannot install what the tests need: with no
 * apt-get (and no root/sudo) on PATH and packages missing, it exits 1 naming them, before npm ci.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './environment.js';

describe('scripts/setup.sh', () => {
  it('--test exits 1 when it cannot install missing test packages (no apt-get here)', () => {
    const bin = mkdtempSync(join(tmpdir(), 'rafka-setup-path-'));
    try {
      // Only what the script needs to get to its package check: no apt-get, sudo, java, kcat, npm on this PATH.
      symlinkSync(spawnSync('bash', ['-c', 'command -v dirname'], { encoding: 'utf8' }).stdout.trim(), join(bin, 'dirname'));
      const r = spawnSync('/bin/bash', [join(REPO_ROOT, 'scripts', 'setup.sh'), '--test'], { env: { PATH: bin, HOME: bin }, encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^=== cannot install .*kcat.* here \(no apt-get or no root\): install them yourself$/m);
      expect(r.stdout).not.toContain('=== npm ci');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
