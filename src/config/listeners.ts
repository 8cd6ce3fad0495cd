import { isIP } from 'node:net';
import { ConfigException } from './config-exception.js';
import { SECURITY_PROTOCOLS } from './defs/replication.js';
import type { Validator } from './validators.js';

export interface EndPoint {
  listenerName: string;
  /** '' = bind the default interface (Kafka's null host). */
  host: string;
  port: number;
  securityProtocol: string;
}

/** Kafka's EndPoint regex: NAME://host:port, NAME://[ipv6]:port, or NAME://:port. */
const URI_PARSE_EXP = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** ListenerName.normalised: listener names are case-insensitive, stored upper-case. */
export const normaliseListenerName = (name: string): string => name.toUpperCase();

/** Parse "NAME:PROTOCOL,..." (Csv.parseCsvMap) and check every protocol is known. */
export function parseSecurityProtocolMap(name: string, value: string): Record<string, string> {
  const map: Record<string, string> = {};
  if (value.trim() === '') return map;
  for (const entry of value.split(/\s*,\s*/)) {
    const sep = entry.lastIndexOf(':');
    if (sep <= 0) throw new ConfigException(`Error parsing configuration property '${name}': malformed entry '${entry}'`);
    const protocol = entry.slice(sep + 1).trim();
    if (!SECURITY_PROTOCOLS.includes(protocol)) {
      throw new ConfigException(`Invalid security protocol \`${protocol}\` defined in ${name}`);
    }
    map[normaliseListenerName(entry.slice(0, sep).trim())] = protocol;
  }
  return map;
}

function createEndPoint(name: string, connectionString: string, protocolMap: Record<string, string>): EndPoint {
  const m = URI_PARSE_EXP.exec(connectionString);
  if (!m) throw new ConfigException(name, connectionString, `Unable to parse ${connectionString} to a broker endpoint`);
  const listenerName = normaliseListenerName(m[1]!);
  const securityProtocol = protocolMap[listenerName];
  if (securityProtocol === undefined) {
    throw new ConfigException(name, connectionString, `No security protocol defined for listener ${listenerName}`);
  }
  return { listenerName, host: m[2]!, port: Number(m[3]), securityProtocol };
}

const hasIpHost = (ep: EndPoint): boolean => isIP(ep.host) !== 0;

/** Two listeners may share a port only when one binds an IPv4 address and the other an IPv6 address. */
function checkDistinctPorts(name: string, value: string, endPoints: EndPoint[]): void {
  const byPort = new Map<number, EndPoint[]>();
  for (const ep of endPoints.filter((e) => e.port !== 0)) byPort.set(ep.port, [...(byPort.get(ep.port) ?? []), ep]);
  for (const [port, eps] of byPort) {
    if (eps.length < 2) continue;
    const families = new Set(eps.map((e) => isIP(e.host)));
    const ok = eps.length === 2 && eps.every(hasIpHost) && families.size === 2;
    if (!ok) {
      throw new ConfigException(name, value,
        `Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, port: ${port}`);
    }
  }
}

/** CoreUtils.listenerListToEndPoints: comma list, unique names, and (for `listeners`) unique ports. */
export function listenerListToEndPoints(
  name: string,
  value: string,
  protocolMap: Record<string, string>,
  requireDistinctPorts = true,
): EndPoint[] {
  const entries = value.trim() === '' ? [] : value.split(/\s*,\s*/);
  const endPoints = entries.map((e) => createEndPoint(name, e.trim(), protocolMap));
  const names = endPoints.map((e) => e.listenerName);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new ConfigException(name, value, `Each listener must have a different name, duplicate: ${duplicate}`);
  }
  if (requireDistinctPorts) checkDistinctPorts(name, value, endPoints);
  return endPoints;
}

/**
 * Table validator for listener lists: syntax and unique names only. The protocol of each name depends on
 * listener.security.protocol.map, so that check (and ports) happen when the whole config is built.
 */
export const listenerListValidator: Validator = {
  ensureValid(name, value) {
    if (value === null || value === undefined) return;
    const entries = (value as string).trim() === '' ? [] : (value as string).split(/\s*,\s*/);
    const names = entries.map((e) => {
      const m = URI_PARSE_EXP.exec(e.trim());
      if (!m) throw new ConfigException(name, value, `Unable to parse ${e.trim()} to a broker endpoint`);
      return normaliseListenerName(m[1]!);
    });
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
      throw new ConfigException(name, value, `Each listener must have a different name, duplicate: ${duplicate}`);
    }
  },
  toString: () => 'comma-separated NAME://host:port list, unique names',
};
