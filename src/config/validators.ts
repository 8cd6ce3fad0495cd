import { ConfigException } from './config-exception.js';

/** A value check run after type parsing; toString() is the "valid values" column of --help-config. */
export interface Validator {
  ensureValid(name: string, value: unknown): void;
  toString(): string;
}

/** Java prints Long.MAX_VALUE exactly; a JS number can only approximate it. */
export function formatNumber(n: number): string {
  return n >= 2 ** 63 ? '9223372036854775807' : String(n);
}

function range(min: number | undefined, max: number | undefined): Validator {
  return {
    ensureValid(name, value) {
      if (value === null || value === undefined) throw new ConfigException(name, null, 'Value must be non-null');
      const n = value as number;
      if (min !== undefined && n < min) throw new ConfigException(name, value, `Value must be at least ${formatNumber(min)}`);
      if (max !== undefined && n > max) throw new ConfigException(name, value, `Value must be no more than ${formatNumber(max)}`);
    },
    toString() {
      if (min === undefined) return max === undefined ? '[...]' : `[...,${formatNumber(max)}]`;
      return max === undefined ? `[${formatNumber(min)},...]` : `[${formatNumber(min)},...,${formatNumber(max)}]`;
    },
  };
}

export const atLeast = (min: number): Validator => range(min, undefined);
export const between = (min: number, max: number): Validator => range(min, max);

export function validString(...validStrings: string[]): Validator {
  return {
    ensureValid(name, value) {
      if (!validStrings.includes(value as string)) {
        throw new ConfigException(name, value, `String must be one of: ${validStrings.join(', ')}`);
      }
    },
    toString: () => `[${validStrings.join(', ')}]`,
  };
}

export function caseInsensitiveValidString(...validStrings: string[]): Validator {
  const lower = validStrings.map((s) => s.toLowerCase());
  return {
    ensureValid(name, value) {
      if (!lower.includes(String(value).toLowerCase())) {
        throw new ConfigException(name, value, `String must be one of (case insensitive): ${validStrings.join(', ')}`);
      }
    },
    toString: () => `(case insensitive) [${validStrings.join(', ')}]`,
  };
}

/** Every element of a LIST must be one of the given strings (Kafka's ValidList). */
export function validList(...validStrings: string[]): Validator {
  const each = validString(...validStrings);
  return {
    ensureValid(name, value) {
      for (const s of value as string[]) each.ensureValid(name, s);
    },
    toString: () => each.toString(),
  };
}

export const nonEmptyString: Validator = {
  ensureValid(name, value) {
    if (value !== null && value !== undefined && (value as string).length === 0) {
      throw new ConfigException(name, value, 'String must be non-empty');
    }
  },
  toString: () => 'non-empty string',
};

/** [min..max] or one sentinel value (Kafka's gzip level validator; Rafka's "-1 = off" ports). */
export function betweenOr(min: number, max: number, sentinel: number): Validator {
  return {
    ensureValid(name, value) {
      if (value === null || value === undefined) throw new ConfigException(name, null, 'Value must be non-null');
      const n = value as number;
      if (n !== sentinel && (n < min || n > max)) {
        throw new ConfigException(name, value, `Value must be between ${min} and ${max} or equal to ${sentinel}`);
      }
    },
    toString: () => `[${min},...,${max}] or ${sentinel}`,
  };
}
