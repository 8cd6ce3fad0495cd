/**
 * Kafka's ConfigException: either a free-form message, or the canonical
 * "Invalid value <v> for configuration <name>: <why>" shape built from (name, value, why).
 */
export class ConfigException extends Error {
  constructor(nameOrMessage: string, value?: unknown, why?: string) {
    super(arguments.length === 1 ? nameOrMessage : invalidValueMessage(nameOrMessage, value, why));
    this.name = 'ConfigException';
  }
}

export function invalidValueMessage(name: string, value: unknown, why?: string): string {
  return `Invalid value ${String(value)} for configuration ${name}${why === undefined ? '' : `: ${why}`}`;
}
