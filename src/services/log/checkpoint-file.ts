/**
 * Kafka's generic text checkpoint file (reference §4.4, `CheckpointFile`):
 *
 *   <version>\n<entry count>\n<entry>\n...
 *
 * Reading: empty file, or only the version line → no entries. Wrong version → "Unrecognised
 * version"; non-integer version/count line or an entry the format rejects → "Malformed line";
 * count mismatch → "Expected [n] entries". Those are `CheckpointFileError`s (Kafka
 * IOExceptions: the caller queues the dir offline). A non-numeric number *inside* an entry
 * raises `NumberFormatError` (Kafka's bare NumberFormatException, which does not take the dir
 * offline). Plain I/O failures surface as Node errno errors.
 *
 * Writing: `<file>.tmp`, fsync, atomic rename, fsync of the parent dir. Writes through one
 * instance are serialised; use one instance per file.
 */
import { promises as fsp } from 'node:fs';
import { writeFileAtomic } from './atomic-write.js';

/** IOException-like failure reading a checkpoint file (bad version, malformed line, count mismatch). */
export class CheckpointFileError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = 'CheckpointFileError';
    this.path = path;
  }
}

/** Java `NumberFormatException`: `For input string: "<s>"`. */
export class NumberFormatError extends Error {
  constructor(input: string) {
    super(`For input string: "${input}"`);
    this.name = 'NumberFormatError';
  }
}

export interface CheckpointFormat<T> {
  toLine(e: T): string;
  /** Fields of one line (already split on whitespace). Return null if malformed. May throw NumberFormatError. */
  fromLine(fields: string[]): T | null;
  /** Number of whitespace-separated fields an entry must have. */
  fieldCount: number;
}

const INT_RE = /^[+-]?[0-9]+$/;

/** Java `Integer.parseInt`; throws NumberFormatError. */
export function parseJavaInt(s: string): number {
  if (INT_RE.test(s)) {
    const n = Number(s);
    if (n >= -2147483648 && n <= 2147483647) return n;
  }
  throw new NumberFormatError(s);
}

/** Java `Long.parseLong` → bigint; throws NumberFormatError. */
export function parseJavaLong(s: string): bigint {
  if (INT_RE.test(s)) {
    const n = BigInt(s);
    if (n >= -9223372036854775808n && n <= 9223372036854775807n) return n;
  }
  throw new NumberFormatError(s);
}

/** Java `line.split("\\s+")`: leading empty field kept, trailing empty fields dropped. */
export function splitJavaWhitespace(line: string): string[] {
  const parts = line.split(/[ \t\n\x0B\f\r]+/);
  if (line.length === 0) return [''];
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Java `BufferedReader.readLine` splitting (`\n`, `\r`, `\r\n`); no trailing empty line for a final newline. */
function readLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export class CheckpointFile<T> {
  #writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    readonly version: number,
    private readonly format: CheckpointFormat<T>,
  ) {}

  /** Create the file empty if it does not exist (Kafka does this when the owning component starts). */
  async ensureExists(): Promise<void> {
    try {
      const fh = await fsp.open(this.path, 'wx');
      await fh.close();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }

  async read(): Promise<T[]> {
    const text = await fsp.readFile(this.path, 'utf8');
    return this.parse(text);
  }

  /** Parse checkpoint text (exposed for tests and in-memory use). */
  parse(text: string): T[] {
    const lines = readLines(text);
    if (lines.length === 0) return [];
    const readVersion = this.toInt(lines[0]!);
    if (readVersion !== this.version) {
      throw new CheckpointFileError(
        this.path,
        `Unrecognised version:${readVersion}, expected version: ${this.version} in checkpoint file at: ${this.path}`,
      );
    }
    if (lines.length === 1) return [];
    const expectedSize = this.toInt(lines[1]!);
    const entries: T[] = [];
    for (let i = 2; i < lines.length; i++) {
      const line = lines[i]!;
      const fields = splitJavaWhitespace(line);
      const entry = fields.length === this.format.fieldCount ? this.format.fromLine(fields) : null;
      if (entry === null) throw this.malformed(line);
      entries.push(entry);
    }
    if (entries.length !== expectedSize) {
      throw new CheckpointFileError(
        this.path,
        `Expected [${expectedSize}] entries in checkpoint file [${this.path}], but found only [${entries.length}]`,
      );
    }
    return entries;
  }

  /** Render the file content for `entries`. */
  render(entries: readonly T[]): string {
    let out = `${this.version}\n${entries.length}\n`;
    for (const e of entries) out += this.format.toLine(e) + '\n';
    return out;
  }

  /** Atomically replace the file (tmp + fsync + rename + dir fsync). Concurrent calls are serialised. */
  write(entries: readonly T[]): Promise<void> {
    const content = this.render(entries);
    const run = this.#writing.then(() => writeFileAtomic(this.path, content));
    this.#writing = run.catch(() => {});
    return run;
  }

  private toInt(line: string): number {
    try {
      return parseJavaInt(line);
    } catch {
      throw this.malformed(line);
    }
  }

  private malformed(line: string): CheckpointFileError {
    return new CheckpointFileError(this.path, `Malformed line in checkpoint file [${this.path}]: ${line}`);
  }
}
