/**
 * The name of an `ips` quota entity as Kafka reads it: an IP literal or a host name, resolved with
 * `InetAddress.getByName` (DynamicConfig.Ip.isValidIpEntity when AlterClientQuotas validates it; IpConfigHandler when
 * the broker applies it, keyed by the resolved address). Here: `dns.lookup` (getaddrinfo: /etc/hosts, then DNS, as
 * the JVM's resolver), the first IPv4 address, else the first one (Java prefers IPv4 unless
 * java.net.preferIPv6Addresses is set). Unresolvable → null.
 * Differs: an empty name is refused (Java resolves "" to the loopback address).
 */
import { isIP } from 'node:net';
import { lookup } from 'node:dns/promises';

/** A host name or IP literal → the address its connections come from, null when it does not resolve. */
export type HostResolver = (host: string) => Promise<string | null>;

export const resolveIpEntity: HostResolver = async (host) => {
  if (isIP(host) !== 0) return host;
  if (host.trim() === '') return null;
  try {
    const all = await lookup(host, { all: true });
    return (all.find((a) => a.family === 4) ?? all[0])?.address ?? null;
  } catch {
    return null;
  }
};
