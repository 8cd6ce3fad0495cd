/**
 * What tests need from their surroundings, in one place:
 *
 * - `sharedPath(...)`: the team's shared fixtures live in `../shared` next to the repository root
 *   (README: "the log dir of a real Kafka 2.7.1 broker (`../shared/compat/`)"). Resolved from this
 *   file, never from a fixed absolute path, so a clone in any directory finds them.
 * - `prerequisite(name, present, hint)`: a tool a test needs (kcat, kafka-python, root, dist/). Under
 *   `CI` (any non-empty value but "false"/"0") a missing one throws at import time, so the file fails
 *   loudly instead of turning into "N skipped"; locally it warns once and returns false so the caller
 *   can `describe.skipIf(!present)`. The tmpfs and Chromium tests follow the same rule.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');

/** A path under `../shared` (relative to the repository root); throws with the expected location when it is missing. */
export function sharedPath(...parts: string[]): string {
  const p = join(SHARED_DIR, ...parts);
  if (!existsSync(p)) {
    throw new Error(`test fixture ${p} is missing: the shared fixtures must sit in ../shared next to the repository root (${REPO_ROOT})`);
  }
  return p;
}

/** The Kafka 2.7.1 log dir written by a real broker that was killed (no clean-shutdown marker). */
export const compatDir = (): string => sharedPath('compat', 'kafka-2.7.1-zk-unclean');

export function isCi(): boolean {
  const v = process.env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/**
 * `present` as given; when false: throws under CI, else warns (once per name) that the tests needing it are
 * skipped. `hint` says how to get it (e.g. "apt-get install -y kcat").
 */
export function prerequisite(name: string, present: boolean, hint: string): boolean {
  if (present) return true;
  if (isCi()) throw new Error(`${name} is missing (${hint}): under CI a missing test prerequisite fails instead of skipping`);
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`[prerequisite] ${name} missing (${hint}): its tests are skipped locally; under CI they fail`);
  }
  return false;
}
const warned = new Set<string>();
