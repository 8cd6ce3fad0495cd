import { readFileSync } from 'node:fs';
import { parse } from 'ini';
import { ConfigException } from './config-exception.js';

/** java.util.Properties: a line ending in an odd number of backslashes continues on the next line. */
function joinContinuationLines(text: string): string[] {
  const out: string[] = [];
  let pending: string | null = null;
  for (const raw of text.split(/\r?\n|\r/)) {
    const line: string = pending === null ? raw : pending + raw.trimStart();
    const trailing = /\\+$/.exec(line)?.[0].length ?? 0;
    if (trailing % 2 === 1 && !/^\s*[#!]/.test(line)) pending = line.slice(0, -1);
    else {
      out.push(line);
      pending = null;
    }
  }
  if (pending !== null) out.push(pending);
  return out;
}

/**
 * Rewrite one properties line into the `key=value` form ini understands:
 * - java.util.Properties also separates key and value by ':' or whitespace, and a lone key has value "";
 * - ini cuts a value at an unescaped ';' or '#' (inline comment), but in server.properties only a line
 *   *starting* with '#' or '!' is a comment, so those characters are escaped inside values.
 */
function toIniLine(line: string): string {
  if (/^\s*([;#!]|$)/.test(line)) return /^\s*!/.test(line) ? '' : line;
  if (/^\s*\[[^\]]*\]\s*$/.test(line)) return line; // an ini [section]: its keys get the section as prefix
  const body = line.trimStart();
  const sep = body.search(/[=:\s]/);
  const key = sep < 0 ? body : body.slice(0, sep);
  const value = sep < 0 ? '' : body.slice(sep).replace(/^\s*[=:]?\s*/, '');
  return `${key}=${value.replace(/(?<!\\)([;#])/g, '\\$1')}`;
}

/** ini yields booleans, null, arrays (`k[]=`) and nested sections: flatten all of it back to strings. */
function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, string>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (Array.isArray(v)) out[key] = v.map(String).join(',');
    else if (v !== null && typeof v === 'object') flatten(v as Record<string, unknown>, `${key}.`, out);
    else out[key] = String(v);
  }
}

/** Parse server.properties text (`key=value`, `#` comments, blank lines) into string values. */
export function parsePropertiesText(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  flatten(parse(joinContinuationLines(text).map(toIniLine).join('\n')), '', out);
  return out;
}

export function loadPropertiesFile(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigException(`Cannot read properties file ${path}: ${(e as Error).message}`);
  }
  return parsePropertiesText(text);
}

/** One `-o key=value` command-line override; the value may itself contain '='. */
export function parseOverride(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  const key = eq < 0 ? '' : arg.slice(0, eq).trim();
  if (key === '') throw new ConfigException(`Invalid override '${arg}': expected key=value`);
  return [key, arg.slice(eq + 1).trim()];
}

/** The CLI's `-o key=value` list applied over the file's properties: a later value always wins. */
export function applyOverrides(fileProps: Record<string, string>, overrides: readonly string[]): Record<string, string> {
  const props = { ...fileProps };
  for (const arg of overrides) {
    const [key, value] = parseOverride(arg);
    props[key] = value;
  }
  return props;
}
