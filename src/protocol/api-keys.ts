/**
 * Kafka API keys: names of every key Kafka defines (for logs and errors), and the version ranges Rafka
 * advertises in ApiVersions, taken from the client protocol matrix (docs/client-protocol-matrix.md §7):
 * the tightest ranges covering kcat/librdkafka 2.0.2, kafkajs 2.2.4, kafka-python 2.0.2,
 * @platformatic/kafka 1.35/2.12 and the Java 3.x client. Every version inside an advertised range is
 * implemented by the codec (the message schemas cover Kafka's full `validVersions`, a superset).
 */

export const API_KEY_NAMES: Readonly<Record<number, string>> = Object.freeze({
  0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 4: 'LeaderAndIsr', 5: 'StopReplica', 6: 'UpdateMetadata',
  7: 'ControlledShutdown', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat',
  13: 'LeaveGroup', 14: 'SyncGroup', 15: 'DescribeGroups', 16: 'ListGroups', 17: 'SaslHandshake', 18: 'ApiVersions',
  19: 'CreateTopics', 20: 'DeleteTopics', 21: 'DeleteRecords', 22: 'InitProducerId', 23: 'OffsetForLeaderEpoch',
  24: 'AddPartitionsToTxn', 25: 'AddOffsetsToTxn', 26: 'EndTxn', 27: 'WriteTxnMarkers', 28: 'TxnOffsetCommit',
  29: 'DescribeAcls', 30: 'CreateAcls', 31: 'DeleteAcls', 32: 'DescribeConfigs', 33: 'AlterConfigs',
  34: 'AlterReplicaLogDirs', 35: 'DescribeLogDirs', 36: 'SaslAuthenticate', 37: 'CreatePartitions',
  38: 'CreateDelegationToken', 39: 'RenewDelegationToken', 40: 'ExpireDelegationToken', 41: 'DescribeDelegationToken',
  42: 'DeleteGroups', 43: 'ElectLeaders', 44: 'IncrementalAlterConfigs', 45: 'AlterPartitionReassignments',
  46: 'ListPartitionReassignments', 47: 'OffsetDelete', 48: 'DescribeClientQuotas', 49: 'AlterClientQuotas',
  50: 'DescribeUserScramCredentials', 51: 'AlterUserScramCredentials', 52: 'Vote', 53: 'BeginQuorumEpoch',
  54: 'EndQuorumEpoch', 55: 'DescribeQuorum', 56: 'AlterPartition', 57: 'UpdateFeatures', 58: 'Envelope',
  59: 'FetchSnapshot', 60: 'DescribeCluster', 61: 'DescribeProducers', 62: 'BrokerRegistration', 63: 'BrokerHeartbeat',
  64: 'UnregisterBroker', 65: 'DescribeTransactions', 66: 'ListTransactions', 67: 'AllocateProducerIds',
  68: 'ConsumerGroupHeartbeat', 69: 'ConsumerGroupDescribe', 70: 'ControllerRegistration', 71: 'GetTelemetrySubscriptions',
  72: 'PushTelemetry', 73: 'AssignReplicasToDirs', 74: 'ListClientMetricsResources', 75: 'DescribeTopicPartitions',
  76: 'ShareGroupHeartbeat', 77: 'ShareGroupDescribe', 78: 'ShareFetch', 79: 'ShareAcknowledge', 80: 'AddRaftVoter',
  81: 'RemoveRaftVoter', 82: 'UpdateRaftVoter', 83: 'InitializeShareGroupState', 84: 'ReadShareGroupState',
  85: 'WriteShareGroupState', 86: 'DeleteShareGroupState', 87: 'ReadShareGroupStateSummary',
});

export function apiKeyName(apiKey: number): string {
  return API_KEY_NAMES[apiKey] ?? `UnknownApi${apiKey}`;
}

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  LeaderAndIsr: 4,
  StopReplica: 5,
  UpdateMetadata: 6,
  ControlledShutdown: 7,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  SaslHandshake: 17,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
  DeleteRecords: 21,
  InitProducerId: 22,
  OffsetForLeaderEpoch: 23,
  AddPartitionsToTxn: 24,
  AddOffsetsToTxn: 25,
  EndTxn: 26,
  WriteTxnMarkers: 27,
  TxnOffsetCommit: 28,
  DescribeAcls: 29,
  CreateAcls: 30,
  DeleteAcls: 31,
  DescribeConfigs: 32,
  AlterConfigs: 33,
  AlterReplicaLogDirs: 34,
  DescribeLogDirs: 35,
  SaslAuthenticate: 36,
  CreatePartitions: 37,
  DeleteGroups: 42,
  ElectLeaders: 43,
  IncrementalAlterConfigs: 44,
  AlterPartitionReassignments: 45,
  ListPartitionReassignments: 46,
  OffsetDelete: 47,
  DescribeClientQuotas: 48,
  AlterClientQuotas: 49,
  DescribeUserScramCredentials: 50,
  AlterUserScramCredentials: 51,
  AlterPartition: 56,
  DescribeCluster: 60,
  DescribeProducers: 61,
  DescribeTransactions: 65,
  ListTransactions: 66,
} as const;

/**
 * required: connect, topic admin, produce (incl. idempotent), consume with and without a group (matrix §7.1);
 * recommended: group and config admin (§7.2); sasl: only once SASL listeners exist (§7.2);
 * inter-broker: ZooKeeper-mode controller-to-broker APIs, at Kafka 3.x's full ranges (OffsetForLeaderEpoch is
 * advertised to clients since replication exists, as the matrix asks).
 */
export type ApiTier = 'required' | 'recommended' | 'sasl' | 'inter-broker';

export interface ApiRange {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly tier: ApiTier;
}

function r(apiKey: number, minVersion: number, maxVersion: number, tier: ApiTier): ApiRange {
  return Object.freeze({ apiKey, name: apiKeyName(apiKey), minVersion, maxVersion, tier });
}

/** The matrix's §7 ranges (and the inter-broker ones), in API key order. */
export const ADVERTISED_APIS: readonly ApiRange[] = Object.freeze([
  r(0, 0, 7, 'required'), // Produce: min 0 for librdkafka's compression gate, max 7 (kafkajs/librdkafka top)
  r(1, 0, 12, 'required'), // Fetch: from 0 as Kafka (v0–3 down-converted to magic 0/1), max 12 (no topic-id fetch)
  r(2, 0, 5, 'required'), // ListOffsets: from 0 as Kafka (librdkafka < 0.10.1 and kafka-python < 0.10.1 send v0)
  r(3, 0, 9, 'required'), // Metadata: min 0 for kafka-python's pipelined probe, max 9 for platformatic 1.35
  r(4, 0, 7, 'inter-broker'), // LeaderAndIsr
  r(5, 0, 4, 'inter-broker'), // StopReplica
  r(6, 0, 8, 'inter-broker'), // UpdateMetadata
  r(7, 0, 3, 'inter-broker'), // ControlledShutdown (v0 uses request header v0)
  r(8, 2, 8, 'required'), // OffsetCommit
  r(9, 1, 8, 'required'), // OffsetFetch
  r(10, 0, 4, 'required'), // FindCoordinator
  r(11, 2, 6, 'required'), // JoinGroup
  r(12, 1, 4, 'required'), // Heartbeat
  r(13, 1, 4, 'required'), // LeaveGroup
  r(14, 1, 4, 'required'), // SyncGroup
  r(15, 0, 5, 'required'), // DescribeGroups
  r(16, 0, 4, 'recommended'), // ListGroups
  r(17, 0, 1, 'sasl'), // SaslHandshake
  r(18, 0, 3, 'required'), // ApiVersions (v4 from Java 3.9 gets UNSUPPORTED_VERSION and steps down)
  r(19, 3, 7, 'required'), // CreateTopics
  r(20, 1, 6, 'required'), // DeleteTopics
  r(21, 0, 2, 'recommended'), // DeleteRecords: kafkajs/librdkafka 0-1, Java 2
  r(22, 0, 3, 'required'), // InitProducerId
  r(23, 0, 4, 'recommended'), // OffsetForLeaderEpoch: followers (IBP < 2.7) and KIP-320 consumers (Java validates positions from v3)
  r(24, 0, 4, 'required'), // AddPartitionsToTxn: transactions (v4 is broker-to-broker, KIP-890 verification)
  r(25, 0, 3, 'required'), // AddOffsetsToTxn
  r(26, 0, 3, 'required'), // EndTxn
  r(27, 0, 1, 'inter-broker'), // WriteTxnMarkers: coordinator → partition leaders
  r(28, 0, 3, 'required'), // TxnOffsetCommit
  r(29, 0, 3, 'recommended'), // DescribeAcls (kafkajs/librdkafka 0-1, Java 3)
  r(30, 0, 3, 'recommended'), // CreateAcls
  r(31, 0, 3, 'recommended'), // DeleteAcls
  r(32, 1, 4, 'recommended'), // DescribeConfigs
  r(33, 0, 2, 'recommended'), // AlterConfigs
  r(34, 0, 2, 'recommended'), // AlterReplicaLogDirs: Kafka's range (Java sends 2; kafka-reassign-partitions.sh log_dirs)
  r(35, 0, 4, 'recommended'), // DescribeLogDirs: Kafka's ZK broker range (Java sends 4)
  r(36, 0, 2, 'sasl'), // SaslAuthenticate
  r(37, 0, 3, 'recommended'), // CreatePartitions
  r(42, 0, 2, 'recommended'), // DeleteGroups
  r(43, 0, 2, 'recommended'), // ElectLeaders (v1+ carries the election type)
  r(44, 0, 1, 'recommended'), // IncrementalAlterConfigs
  r(45, 0, 0, 'recommended'), // AlterPartitionReassignments (KIP-455)
  r(46, 0, 0, 'recommended'), // ListPartitionReassignments
  r(47, 0, 0, 'recommended'), // OffsetDelete
  r(48, 0, 1, 'recommended'), // DescribeClientQuotas
  r(49, 0, 1, 'recommended'), // AlterClientQuotas
  r(50, 0, 0, 'recommended'), // DescribeUserScramCredentials (KIP-554; Java admin, @platformatic/kafka)
  r(51, 0, 0, 'recommended'), // AlterUserScramCredentials
  r(56, 0, 3, 'inter-broker'), // AlterPartition (AlterIsr): a ZooKeeper-mode Kafka 3.7 broker accepts 0-3
  r(60, 0, 1, 'recommended'), // DescribeCluster (Java's admin falls back to Metadata without it)
  r(61, 0, 0, 'recommended'), // DescribeProducers (KIP-664)
  r(65, 0, 0, 'recommended'), // DescribeTransactions (KIP-664)
  r(66, 0, 0, 'recommended'), // ListTransactions (KIP-664)
]);

/** Which API versions a listener accepts: key → range. */
export type ApiSupport = ReadonlyMap<number, ApiRange>;

/** The advertised ranges of the given tiers (default: required + recommended, no SASL). */
export function apiSupport(tiers: readonly ApiTier[] = ['required', 'recommended']): ApiSupport {
  return new Map(ADVERTISED_APIS.filter((a) => tiers.includes(a.tier)).map((a) => [a.apiKey, a]));
}

export const DEFAULT_API_SUPPORT: ApiSupport = apiSupport();

/** The `apiKeys` list of an ApiVersions response for a listener's support table, in key order. */
export function apiVersionsEntries(support: ApiSupport = DEFAULT_API_SUPPORT): { apiKey: number; minVersion: number; maxVersion: number }[] {
  return [...support.values()]
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((a) => ({ apiKey: a.apiKey, minVersion: a.minVersion, maxVersion: a.maxVersion }));
}
