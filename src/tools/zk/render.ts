/**
 * Human rendering of a ClusterSnapshot: one section per area of the tree, aligned text tables.
 * Deterministic for a given snapshot (times as ISO-8601 UTC).
 */
import { pathMatches, type ClusterSnapshot } from './read-cluster.js';
import { formatProblem, type Problem } from './check.js';

/** Left-aligned columns, two spaces apart, no trailing blanks. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}

const iso = (ms: number | null) => (ms === null || !Number.isFinite(ms) ? '-' : new Date(ms).toISOString());
const ids = (xs: number[] | null) => (xs === null ? '?' : xs.length === 0 ? '-' : xs.join(','));
const dash = (v: string | number | null | undefined) => (v === null || v === undefined || v === '' ? '-' : String(v));
const UNDECODABLE = '(undecodable)';

export function renderSnapshot(s: ClusterSnapshot): string {
  const out: string[] = [];
  const show = (...roots: string[]) => roots.some((r) => pathMatches(r, s.filter));
  const section = (title: string, body: string[]) => { out.push('', title, ...(body.length ? body : ['(none)'])); };

  out.push(`ZooKeeper ${s.connect}${s.filter ? `  (filter ${s.filter})` : ''}`);
  out.push(`Read at ${iso(s.readAt)}`);
  if (s.missingPaths.length) out.push(`Missing: ${s.missingPaths.join(', ')} (not a Kafka tree, or no broker has used it yet)`);

  if (show('/cluster/id')) out.push(`Cluster id: ${s.clusterId ?? '(none)'}`);
  if (show('/controller', '/controller_epoch')) {
    const c = s.controller;
    const epoch = s.controllerEpoch ? (s.controllerEpoch.epoch ?? UNDECODABLE) : '(none)';
    const who = !c ? '(none)' : c.error ? UNDECODABLE
      : c.kraftControllerEpoch !== null && c.kraftControllerEpoch > 0
        ? `KRaft controller ${c.brokerId} (ZK migration), KRaft controller epoch ${c.kraftControllerEpoch}, since ${iso(c.timestamp)}`
        : `broker ${c.brokerId}, since ${iso(c.timestamp)}, session ${c.sessionOwner}`;
    out.push(`Controller: ${who}; controller epoch ${epoch}${s.controllerEpoch ? ` (zkVersion ${s.controllerEpoch.zkVersion})` : ''}`);
  }

  if (show('/brokers/ids')) {
    section(`Brokers (/brokers/ids): ${s.brokers.length}`, s.brokers.length === 0 ? [] : table(
      ['ID', 'ENDPOINTS', 'RACK', 'JMX', 'REGISTERED', 'SESSION', 'EPOCH', 'FEATURES'],
      s.brokers.map((b) => b.error
        ? [String(b.id), UNDECODABLE, '-', '-', '-', b.sessionOwner, String(b.brokerEpoch), '-']
        : [String(b.id), (b.endpoints ?? []).join(','), dash(b.rack), dash(b.jmxPort), iso(b.timestamp), b.sessionOwner, String(b.brokerEpoch),
          Object.entries(b.features ?? {}).map(([n, r]) => `${n}=${r.min_version}-${r.max_version}`).join(',') || '-']),
    ));
  }

  if (show('/brokers/topics')) {
    const nParts = s.topics.reduce((n, t) => n + t.partitions.length, 0);
    section(`Topics (/brokers/topics): ${s.topics.length}, ${nParts} partitions`, s.topics.length === 0 ? [] : table(
      ['TOPIC', 'TOPIC ID', 'PARTITIONS', 'RF', 'CREATED', 'MARKED FOR DELETION'],
      s.topics.map((t) => [t.name, t.error ? UNDECODABLE : dash(t.topicId), String(t.partitions.length),
        String(Math.max(0, ...t.partitions.map((p) => p.replicas?.length ?? 0))), iso(t.ctime), t.markedForDeletion ? 'yes' : '-']),
    ));
    if (nParts > 0) {
      out.push('');
      out.push(...table(
        ['TOPIC', 'PARTITION', 'REPLICAS', 'ADDING', 'REMOVING', 'LEADER', 'ISR', 'LEADER EPOCH', 'CTRL EPOCH', 'PARTITION EPOCH'],
        s.topics.flatMap((t) => t.partitions.map((p) => {
          const st = p.state;
          const stateCols = st
            ? [String(st.leader) + (st.leaderRecoveryState === 1 ? ' (recovering)' : ''), ids(st.isr), String(st.leaderEpoch), String(st.controllerEpoch), String(st.partitionEpoch)]
            : [p.stateError ? UNDECODABLE : '(no state)', '-', '-', '-', '-'];
          return [t.name, String(p.partition), ids(p.replicas), ids(p.addingReplicas), ids(p.removingReplicas), ...stateCols];
        })),
      ));
    }
  }

  if (show('/config')) {
    section(`Configs (/config): ${s.configs.length}`, s.configs.length === 0 ? [] : table(
      ['TYPE', 'NAME', 'CONFIG'],
      s.configs.map((c) => [c.type, c.name, c.error ? UNDECODABLE
        : Object.entries(c.config ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(', ') || '(empty)']),
    ));
  }
  if (show('/config/changes')) {
    section(`Config change notifications (/config/changes): ${s.configChanges.length}`, s.configChanges.length === 0 ? [] : table(
      ['NAME', 'ENTITY', 'CREATED'],
      s.configChanges.map((n) => [n.name, n.error ? UNDECODABLE : dash(n.entityPath), iso(n.ctime)]),
    ));
  }
  if (show('/admin/delete_topics')) {
    section(`Pending topic deletions (/admin/delete_topics): ${s.pendingDeletions.length}`, s.pendingDeletions.length === 0 ? [] : table(
      ['TOPIC', 'REQUESTED'], s.pendingDeletions.map((d) => [d.topic, iso(d.ctime)]),
    ));
  }
  if (show('/admin/reassign_partitions') && s.reassignPartitions) {
    const r = s.reassignPartitions;
    section(`Partition reassignment in progress (/admin/reassign_partitions, since ${iso(r.ctime)})`, r.error ? [UNDECODABLE]
      : table(['TOPIC', 'PARTITION', 'TARGET REPLICAS'], (r.partitions ?? []).map((p) => [p.topic, String(p.partition), ids(p.replicas)])));
  }
  if (show('/admin/preferred_replica_election') && s.preferredReplicaElection) {
    const r = s.preferredReplicaElection;
    out.push('', `Preferred replica election in progress (/admin/preferred_replica_election, since ${iso(r.ctime)}): ${r.error ? UNDECODABLE
      : (r.partitions ?? []).map((p) => `${p.topic}-${p.partition}`).join(',') || '-'}`);
  }
  if (show('/isr_change_notification')) {
    section(`ISR change notifications (/isr_change_notification): ${s.isrChangeNotifications.length}`, s.isrChangeNotifications.length === 0 ? [] : table(
      ['NAME', 'PARTITIONS', 'CREATED'],
      s.isrChangeNotifications.map((n) => [n.name, n.error ? UNDECODABLE : (n.partitions ?? []).map((p) => `${p.topic}-${p.partition}`).join(',') || '-', iso(n.ctime)]),
    ));
  }
  if (show('/log_dir_event_notification')) {
    section(`Log dir event notifications (/log_dir_event_notification): ${s.logDirEventNotifications.length}`, s.logDirEventNotifications.length === 0 ? [] : table(
      ['NAME', 'BROKER', 'EVENT', 'CREATED'],
      s.logDirEventNotifications.map((n) => [n.name, n.error ? UNDECODABLE : dash(n.broker),
        n.error ? '-' : n.event === 1 ? 'LogDirFailure' : dash(n.event), iso(n.ctime)]),
    ));
  }
  if (show('/feature')) {
    const f = s.feature;
    out.push('', !f ? 'Feature (/feature): (none)' : f.error ? `Feature (/feature): ${UNDECODABLE}, epoch ${f.epoch}`
      : `Feature (/feature): ${f.status}, epoch ${f.epoch}, version ${f.version}, finalized features: ${Object.entries(f.features ?? {}).map(([n, l]) => `${n}=${l}`).join(', ') || '(none)'}`);
  }
  if (show('/latest_producer_id_block')) {
    const p = s.producerIdBlock;
    out.push(!p ? 'Producer id block (/latest_producer_id_block): (none allocated)' : p.error ? `Producer id block (/latest_producer_id_block): ${UNDECODABLE}`
      : `Producer id block (/latest_producer_id_block): ${p.blockStart}..${p.blockEnd}, allocated by broker ${p.broker}`);
  }
  if (show('/migration') && s.migration) {
    const g = s.migration;
    out.push(g.error ? `ZK → KRaft migration (/migration): ${UNDECODABLE}`
      : `ZK → KRaft migration (/migration): KRaft controller ${g.kraftControllerId}, epoch ${g.kraftControllerEpoch}, metadata offset ${g.kraftMetadataOffset}, metadata epoch ${g.kraftMetadataEpoch}`);
  }
  if (show('/kafka-acl', '/kafka-acl-extended', '/kafka-acl-changes', '/kafka-acl-extended-changes')) {
    const a = s.acls;
    if (a.presentPaths.length === 0) out.push('', 'ACLs (/kafka-acl, /kafka-acl-extended): (absent)');
    else {
      const rows = a.resources.flatMap((r) => (r.error || !r.acls ? [[r.patternType, r.resourceType, r.name, UNDECODABLE, '-', '-', '-']]
        : r.acls.map((e) => [r.patternType, r.resourceType, r.name, e.principal, e.permissionType, e.operation, e.host])));
      section(`ACLs (${a.presentPaths.join(', ')}): ${a.count} in ${a.resources.length} resources, ${a.pendingChanges} pending changes`,
        rows.length === 0 ? [] : table(['PATTERN', 'RESOURCE TYPE', 'NAME', 'PRINCIPAL', 'PERMISSION', 'OPERATION', 'HOST'], rows));
    }
  }
  if (s.undecodable.length > 0) {
    section(`Undecodable znodes: ${s.undecodable.length}`, s.undecodable.map((u) => `${u.path}: ${u.error}`));
  }
  return `${out.join('\n')}\n`;
}

/** `--check` output: one line per problem ("<path>: <message>"). */
export function renderProblems(problems: Problem[]): string {
  return problems.map((p) => `${formatProblem(p)}\n`).join('');
}
