/** `zookeeper.connect` = "host1:port1,host2:port2[/chroot]" as Kafka reads it. */
export interface ZkConnectString {
  /** The host list without the chroot, e.g. "127.0.0.1:2181". */
  hosts: string;
  /** The chroot path ("/rafka") or null. */
  chroot: string | null;
  servers: Array<{ host: string; port: number }>;
}

export function parseZkConnect(connect: string): ZkConnectString {
  const slash = connect.indexOf('/');
  const hosts = slash > 0 ? connect.slice(0, slash) : connect;
  let chroot = slash > 0 ? connect.slice(slash).replace(/\/+$/, '') : null;
  if (chroot === '') chroot = null;
  const servers = hosts.split(',').map((hp) => {
    const m = /^\s*(\[[^\]]+\]|[^:]+)(?::(\d+))?\s*$/.exec(hp);
    if (!m) throw new Error(`Invalid zookeeper.connect entry '${hp}' in '${connect}': expected host:port`);
    return { host: m[1].replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : 2181 };
  });
  return { hosts, chroot, servers };
}
