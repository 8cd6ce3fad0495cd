import { readFileSync } from 'node:fs';
import { parse } from 'ini';
import { ConfigException } from './config-exception.js';

/**
 * ini cuts a value at an unescaped ';' or '#' (inline comment). In server.properties only a line
 * *starting* with '#' is a comment, so escape those characters inside values before ini sees them.
 */
function escapeInlineCommentChars(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => {
      if (/^\s*[;#]/.test(line)) return line;
      const eq = line.indexOf('=');
      if (eq < 0) return line;
      return line.slice(0, eq + 1) + line.slice(eq + 1).replace(/(?<!\\)([;#])/g, '\\$1');
    })
    .join('\n');
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
  flatten(parse(escapeInlineCommentChars(text)), '', out);
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
