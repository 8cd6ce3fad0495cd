import { ConfigException } from './config-exception.js';
import type { ConfigType } from './config-key.js';
import { formatNumber } from './validators.js';

const INTEGER = /^[+-]?\d+$/;
/** What Java's Double.parseDouble accepts, minus hex floats. */
const DOUBLE = /^[+-]?(NaN|Infinity|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?)$/;
const COMMA_WITH_WHITESPACE = /\s*,\s*/;

function notANumber(name: string, value: string, type: ConfigType): never {
  throw new ConfigException(name, value, `Not a number of type ${type.toUpperCase()}`);
}

function parseInteger(name: string, value: string, type: 'int' | 'long', bits: 32 | 64): number {
  const trimmed = value.trim();
  if (!INTEGER.test(trimmed)) notANumber(name, value, type);
  const n = BigInt(trimmed);
  const limit = 1n << BigInt(bits - 1);
  if (n < -limit || n >= limit) notANumber(name, value, type);
  return Number(n);
}

/** ConfigDef.parseType for string input: Kafka trims every value before parsing it. */
export function parseType(name: string, value: string, type: ConfigType): unknown {
  const trimmed = value.trim();
  switch (type) {
    case 'boolean':
      if (trimmed.toLowerCase() === 'true') return true;
      if (trimmed.toLowerCase() === 'false') return false;
      throw new ConfigException(name, value, 'Expected value to be either true or false');
    case 'int':
      return parseInteger(name, value, 'int', 32);
    case 'long':
      return parseInteger(name, value, 'long', 64);
    case 'double':
      if (!DOUBLE.test(trimmed)) notANumber(name, value, type);
      return Number(trimmed.replace(/[fFdD]$/, ''));
    case 'list':
      return trimmed === '' ? [] : trimmed.split(COMMA_WITH_WHITESPACE);
    case 'string':
    case 'password':
    case 'class':
      return trimmed;
  }
}

/** Java's Double.toString for the common cases: "1.0", "0.5", "1.7976931348623157E308". */
function formatDouble(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return n.toFixed(1);
  return String(n).replace('e+', 'E').replace('e-', 'E-');
}

/** Render a parsed value the way Kafka logs it; passwords never leave as clear text. */
export function formatValue(type: ConfigType, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (type) {
    case 'password':
      return '[hidden]';
    case 'list':
      return `[${(value as string[]).join(', ')}]`;
    case 'int':
    case 'long':
      return formatNumber(value as number);
    case 'double':
      return formatDouble(value as number);
    default:
      return String(value);
  }
}
