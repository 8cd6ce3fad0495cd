/**
 * meta.properties handling for ZooKeeper-mode brokers (reference §4.2, §1.2 steps 4-5 and 9).
 *
 * Reading follows `java.util.Properties.load` (comments, escapes, continuation lines,
 * `=`/`:`/whitespace separators); writing follows `Properties.store(writer, "")`:
 * `#\n#<Date.toString()>\n` then `key=value` lines.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { mkdirsDurable, writeFileAtomic } from './atomic-write.js';

export const META_PROPERTIES_FILE = 'meta.properties';

export interface MetaProperties {
  version: number;
  brokerId?: number;
  clusterId?: string;
  directoryId?: string;
}

export type MetaPropertiesState =
  | { dir: string; kind: 'empty' }
  | { dir: string; kind: 'error'; error: Error }
  | { dir: string; kind: 'normal'; props: MetaProperties };

export class InconsistentClusterIdException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentClusterIdException';
  }
}

export class InconsistentBrokerIdException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentBrokerIdException';
  }
}

export class InconsistentBrokerMetadataException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InconsistentBrokerMetadataException';
  }
}

/** Error for an unreadable / unparsable meta.properties file (the dir becomes an "error" dir). */
export class MetaPropertiesReadError extends Error {
  readonly file: string;
  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`Error while reading meta.properties file ${file}: ${problem}`, options);
    this.name = 'MetaPropertiesReadError';
    this.file = file;
  }
}

// ---------------------------------------------------------------------------
// java.util.Properties text format
// ---------------------------------------------------------------------------

const WS = new Set([' ', '\t', '\f']);

/** Parse text in `java.util.Properties.load` format. Throws on a malformed `\uxxxx` escape. */
export function parseJavaProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const natural = text.split(/\r\n|\r|\n/);
  let i = 0;
  while (i < natural.length) {
    let line = natural[i++]!;
    let p = 0;
    while (p < line.length && WS.has(line[p]!)) p++;
    if (p === line.length) continue; // blank
    if (line[p] === '#' || line[p] === '!') continue; // comment (never continued)
    line = line.slice(p);
    // continuation: odd number of trailing backslashes
    while (endsWithOddBackslashes(line) && i <= natural.length) {
      line = line.slice(0, -1);
      if (i === natural.length) break;
      let next = natural[i++]!;
      let q = 0;
      while (q < next.length && WS.has(next[q]!)) q++;
      next = next.slice(q);
      line += next;
    }
    // split key / value
    let k = 0;
    let hasSep = false;
    let precedingBackslash = false;
    while (k < line.length) {
      const c = line[k]!;
      if ((c === '=' || c === ':') && !precedingBackslash) {
        hasSep = true;
        break;
      } else if (WS.has(c) && !precedingBackslash) {
        break;
      }
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
      k++;
    }
    let v = k + (hasSep ? 1 : 0);
    while (v < line.length) {
      const c = line[v]!;
      if (!WS.has(c)) {
        if (!hasSep && (c === '=' || c === ':')) hasSep = true;
        else break;
      }
      v++;
    }
    out.set(unescapeJava(line.slice(0, k)), unescapeJava(line.slice(v)));
  }
  return out;
}

function endsWithOddBackslashes(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

function unescapeJava(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    j++;
    if (j >= s.length) break; // lone trailing backslash (only after continuation at EOF)
    const e = s[j]!;
    if (e === 'u') {
      const hex = s.slice(j + 1, j + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error('Malformed \\uxxxx encoding.');
      out += String.fromCharCode(parseInt(hex, 16));
      j += 4;
    } else if (e === 't') out += '\t';
    else if (e === 'r') out += '\r';
    else if (e === 'n') out += '\n';
    else if (e === 'f') out += '\f';
    else out += e;
  }
  return out;
}

function escapeJava(s: string, isKey: boolean): string {
  let out = '';
  for (let j = 0; j < s.length; j++) {
    const c = s[j]!;
    switch (c) {
      case ' ':
        out += j === 0 || isKey ? '\\ ' : ' ';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\\':
      case '=':
      case ':':
      case '#':
      case '!':
        out += '\\' + c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => String(n).padStart(2, '0');

/** `java.util.Date.toString()` rendered in UTC: `Fri Oct 25 03:33:01 UTC 2024`. */
export function javaDateString(d: Date): string {
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/** Render like `Properties.store(writer, "")`: empty comment line, date line, then entries. */
export function formatJavaProperties(entries: Array<[string, string]>, now: Date = new Date()): string {
  let out = '#\n#' + javaDateString(now) + '\n';
  for (const [k, v] of entries) out += `${escapeJava(k, true)}=${escapeJava(v, false)}\n`;
  return out;
}

// ---------------------------------------------------------------------------
// meta.properties <-> MetaProperties
// ---------------------------------------------------------------------------

/** Java `Integer.parseInt`: optional sign, ASCII digits, int32 range. */
function parseJavaInt(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = Number(s);
  if (!Number.isSafeInteger(n) || n < -2147483648 || n > 2147483647) return undefined;
  return n;
}

const UUID_B64 = /^[A-Za-z0-9_-]{22}$/;

function uuidBytes(id: string): Buffer | undefined {
  if (!UUID_B64.test(id)) return undefined;
  const b = Buffer.from(id, 'base64url');
  return b.length === 16 ? b : undefined;
}

/** Kafka `DirectoryId.reserved`: most significant 64 bits zero and least significant < 100. */
export function isReservedDirectoryId(id: string): boolean {
  const b = uuidBytes(id);
  if (!b) return false;
  return b.readBigUInt64BE(0) === 0n && b.readBigUInt64BE(8) < 100n;
}

/** Convert parsed properties into MetaProperties; throws an Error describing the problem. */
export function metaPropertiesFromMap(props: Map<string, string>): MetaProperties {
  const versionStr = props.get('version') ?? '0';
  const version = parseJavaInt(versionStr.trim());
  if (version === undefined) throw new Error(`Invalid meta.properties version string '${versionStr}'`);
  if (version !== 0 && version !== 1) throw new Error(`Unknown meta.properties version number ${version}`);
  const result: MetaProperties = { version };
  // MetaProperties.Builder(Properties): v0 reads an optional broker.id; v1 requires node.id.
  const idKey = version === 0 ? 'broker.id' : 'node.id';
  const idStr = props.get(idKey);
  if (idStr === undefined && version !== 0) throw new Error(`Failed to find ${idKey}`);
  if (idStr !== undefined) {
    const id = parseJavaInt(idStr);
    if (id === undefined) throw new Error(`Unable to read ${idKey} as a base-10 number.`);
    result.brokerId = id;
  }
  const clusterId = props.get('cluster.id');
  if (clusterId !== undefined) result.clusterId = clusterId;
  const dirId = props.get('directory.id');
  if (dirId !== undefined) {
    if (!uuidBytes(dirId)) {
      throw new Error(`Unable to read directory.id as a Uuid: '${dirId}' is not a 22-character base64 UUID`);
    }
    result.directoryId = dirId;
  }
  if (version !== 0 && clusterId === undefined) throw new Error('cluster.id was not found.');
  return result;
}

/**
 * Load `<dir>/meta.properties`. A missing dir or file → `empty`; anything else that goes
 * wrong (I/O error such as the dir being a regular file, bad escape, unknown version,
 * non-integer broker.id) → `error`, with a message naming the file and the problem.
 */
export async function loadMetaProperties(dir: string): Promise<MetaPropertiesState> {
  const file = path.join(dir, META_PROPERTIES_FILE);
  let text: string;
  try {
    // Properties.load(InputStream) decodes ISO-8859-1.
    text = await fsp.readFile(file, 'latin1');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return { dir, kind: 'empty' };
    return { dir, kind: 'error', error: new MetaPropertiesReadError(file, err.message, { cause: err }) };
  }
  try {
    return { dir, kind: 'normal', props: metaPropertiesFromMap(parseJavaProperties(text)) };
  } catch (e) {
    return { dir, kind: 'error', error: new MetaPropertiesReadError(file, (e as Error).message, { cause: e }) };
  }
}

/** Load every dir (order preserved). Throws when `dirs` is empty, like Kafka's loader. */
export async function loadAllMetaProperties(dirs: string[]): Promise<MetaPropertiesState[]> {
  if (dirs.length === 0) throw new Error('You must specify at least one log directory.');
  return Promise.all(dirs.map((d) => loadMetaProperties(d)));
}

function normalSorted(states: MetaPropertiesState[]): Array<{ dir: string; props: MetaProperties }> {
  const normal: Array<{ dir: string; props: MetaProperties }> = [];
  for (const s of states) if (s.kind === 'normal') normal.push({ dir: s.dir, props: s.props });
  // Kafka keeps the ensemble in a TreeMap keyed by dir.
  normal.sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return normal;
}

/**
 * Verify the ensemble against the ZK cluster id and (optionally) the configured broker id,
 * with Kafka's REQUIRE_V0 flag (`MetaPropertiesEnsemble.verify`). Dirs are checked in
 * sorted order; only `normal` dirs take part.
 *
 * - version ≠ 0 → InconsistentBrokerMetadataException
 * - cluster.id ≠ expected → InconsistentClusterIdException
 * - broker.id ≠ configured → InconsistentBrokerIdException
 * - broker.id differs between dirs (no configured id) → InconsistentBrokerMetadataException
 * - reserved or duplicate directory.id → InconsistentBrokerMetadataException
 */
export function verifyMetaProperties(
  states: MetaPropertiesState[],
  expected: { clusterId: string; brokerId?: number },
): void {
  const configured = expected.brokerId !== undefined && expected.brokerId >= 0 ? expected.brokerId : undefined;
  let expectedId = configured;
  const seenDirIds = new Map<string, string>();
  for (const { dir, props } of normalSorted(states)) {
    const file = path.join(dir, META_PROPERTIES_FILE);
    if (props.version !== 0) {
      throw new InconsistentBrokerMetadataException(
        `Found unexpected version in ${file}. ZK-based brokers that are not migrating only support version 0 ` +
          '(which is implicit when the `version` field is missing).',
      );
    }
    if (props.clusterId !== undefined && props.clusterId !== expected.clusterId) {
      throw new InconsistentClusterIdException(
        `Invalid cluster.id in: ${file}. Expected ${expected.clusterId}, but read ${props.clusterId}`,
      );
    }
    if (props.brokerId !== undefined) {
      if (expectedId === undefined) {
        expectedId = props.brokerId;
      } else if (props.brokerId !== expectedId) {
        const msg =
          `Stored node id ${props.brokerId} doesn't match previous node id ${expectedId} in ${file}. ` +
          'If you moved your data, make sure your configured node id matches. If you intend to create a new node, ' +
          'you should remove all data in your data directories.';
        if (configured !== undefined) throw new InconsistentBrokerIdException(msg);
        throw new InconsistentBrokerMetadataException(msg);
      }
    }
    if (props.directoryId !== undefined) {
      if (isReservedDirectoryId(props.directoryId)) {
        throw new InconsistentBrokerMetadataException(
          `Invalid resrved directory ID ${props.directoryId} found in ${dir}`,
        );
      }
      const prev = seenDirIds.get(props.directoryId);
      if (prev !== undefined) {
        throw new InconsistentBrokerMetadataException(
          // Kafka interpolates the Optional itself, hence `Optional[...]`.
          `Duplicate directory ID Optional[${props.directoryId}] found. It was the ID of ${prev}, but also of ${dir}`,
        );
      }
      seenDirIds.set(props.directoryId, dir);
    }
  }
}

/** First broker.id found in any normal dir (dirs in sorted order), like `MetaPropertiesEnsemble.nodeId()`. */
export function storedBrokerId(states: MetaPropertiesState[]): number | undefined {
  for (const { props } of normalSorted(states)) if (props.brokerId !== undefined) return props.brokerId;
  return undefined;
}

/**
 * Write a version-0 meta.properties (`version`, `broker.id`, `cluster.id`) into `dir`
 * (created if missing) unless the existing file already holds exactly these properties.
 * Atomic: meta.properties.tmp + fsync + rename + fsync of the dir.
 * Returns true if written, false if unchanged. I/O errors propagate (caller takes the dir offline).
 * An existing unreadable file is overwritten; callers should not pass error dirs.
 */
export async function writeMetaProperties(
  dir: string,
  props: { brokerId: number; clusterId: string },
  now: Date = new Date(),
): Promise<boolean> {
  await mkdirsDurable(dir);
  const current = await loadMetaProperties(dir);
  if (
    current.kind === 'normal' &&
    current.props.version === 0 &&
    current.props.brokerId === props.brokerId &&
    current.props.clusterId === props.clusterId &&
    current.props.directoryId === undefined
  ) {
    return false;
  }
  const text = formatJavaProperties(
    [
      ['version', '0'],
      ['broker.id', String(props.brokerId)],
      ['cluster.id', props.clusterId],
    ],
    now,
  );
  await writeFileAtomic(path.join(dir, META_PROPERTIES_FILE), Buffer.from(text, 'utf8'));
  return true;
}
