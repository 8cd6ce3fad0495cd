import { afterEach, describe, expect, it, vi } from 'vitest';
import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { compatDir, prerequisite, REPO_ROOT, SHARED_DIR, sharedPath } from './environment.js';

const savedCi = process.env.CI;
afterEach(() => {
  if (savedCi === undefined) delete process.env.CI; else process.env.CI = savedCi;
  vi.restoreAllMocks();
});

describe('sharedPath: ../shared from the repository root', () => {
  it('is the sibling of the repository root, whatever directory the clone is in', () => {
    expect(existsSync(join(REPO_ROOT, 'package.json'))).toBe(true);
    expect(SHARED_DIR).toBe(join(REPO_ROOT, '..', 'shared'));
    expect(existsSync(join(compatDir(), 'meta.properties'))).toBe(true);
    expect(realpathSync(compatDir())).toBe(realpathSync(join(REPO_ROOT, '..', 'shared', 'compat', 'kafka-2.7.1-zk-unclean')));
  });

  it('a missing fixture throws naming where it was expected', () => {
    expect(() => sharedPath('compat', 'no-such-fixture')).toThrow(/no-such-fixture is missing: .*\.\.\/shared next to the repository root/);
  });
});

describe('prerequisite', () => {
  it('a present one is true, CI or not', () => {
    process.env.CI = 'true';
    expect(prerequisite('x', true, 'hint')).toBe(true);
  });

  it('a missing one fails under CI=true', () => {
    process.env.CI = 'true';
    expect(() => prerequisite('kcat', false, 'apt-get install -y kcat')).toThrow('kcat is missing (apt-get install -y kcat): under CI a missing test prerequisite fails instead of skipping');
  });

  it('a missing one outside CI is false with a warning', () => {
    delete process.env.CI;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(prerequisite('thing-only-this-test-uses', false, 'hint')).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('thing-only-this-test-uses missing (hint)'));
  });
});
