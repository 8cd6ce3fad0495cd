/** Registry of the message schemas the codec implements, by API key. */
import type { MessageSchema } from '../schema.js';
import { produceRequest, produceResponse } from './produce.js';
import { fetchRequest, fetchResponse } from './fetch.js';
import { listOffsetsRequest, listOffsetsResponse } from './list-offsets.js';
import { metadataRequest, metadataResponse } from './metadata.js';
import { leaderAndIsrRequest, leaderAndIsrResponse } from './leader-and-isr.js';
import { stopReplicaRequest, stopReplicaResponse } from './stop-replica.js';
import { updateMetadataRequest, updateMetadataResponse } from './update-metadata.js';
import { controlledShutdownRequest, controlledShutdownResponse } from './controlled-shutdown.js';
import { offsetCommitRequest, offsetCommitResponse } from './offset-commit.js';
import { offsetFetchRequest, offsetFetchResponse } from './offset-fetch.js';
import { findCoordinatorRequest, findCoordinatorResponse } from './find-coordinator.js';
import { joinGroupRequest, joinGroupResponse } from './join-group.js';
import { heartbeatRequest, heartbeatResponse } from './heartbeat.js';
import { leaveGroupRequest, leaveGroupResponse } from './leave-group.js';
import { syncGroupRequest, syncGroupResponse } from './sync-group.js';
import { describeGroupsRequest, describeGroupsResponse } from './describe-groups.js';
import { listGroupsRequest, listGroupsResponse } from './list-groups.js';
import { saslHandshakeRequest, saslHandshakeResponse } from './sasl-handshake.js';
import { apiVersionsRequest, apiVersionsResponse } from './api-versions.js';
import { createTopicsRequest, createTopicsResponse } from './create-topics.js';
import { deleteTopicsRequest, deleteTopicsResponse } from './delete-topics.js';
import { initProducerIdRequest, initProducerIdResponse } from './init-producer-id.js';
import { offsetForLeaderEpochRequest, offsetForLeaderEpochResponse } from './offset-for-leader-epoch.js';
import { describeConfigsRequest, describeConfigsResponse } from './describe-configs.js';
import { alterConfigsRequest, alterConfigsResponse } from './alter-configs.js';
import { saslAuthenticateRequest, saslAuthenticateResponse } from './sasl-authenticate.js';
import { createPartitionsRequest, createPartitionsResponse } from './create-partitions.js';
import { deleteGroupsRequest, deleteGroupsResponse } from './delete-groups.js';
import { incrementalAlterConfigsRequest, incrementalAlterConfigsResponse } from './incremental-alter-configs.js';
import { offsetDeleteRequest, offsetDeleteResponse } from './offset-delete.js';
import { createAclsRequest, createAclsResponse, deleteAclsRequest, deleteAclsResponse, describeAclsRequest, describeAclsResponse } from './acls.js';
import { describeClientQuotasRequest, describeClientQuotasResponse } from './describe-client-quotas.js';
import { alterClientQuotasRequest, alterClientQuotasResponse } from './alter-client-quotas.js';
import { alterPartitionRequest, alterPartitionResponse } from './alter-partition.js';
import { deleteRecordsRequest, deleteRecordsResponse } from './delete-records.js';
import { describeClusterRequest, describeClusterResponse } from './describe-cluster.js';
import { alterUserScramCredentialsRequest, alterUserScramCredentialsResponse, describeUserScramCredentialsRequest, describeUserScramCredentialsResponse } from './user-scram-credentials.js';
import { describeLogDirsRequest, describeLogDirsResponse } from './describe-log-dirs.js';
import { alterReplicaLogDirsRequest, alterReplicaLogDirsResponse } from './alter-replica-log-dirs.js';
import { electLeadersRequest, electLeadersResponse } from './elect-leaders.js';
import { alterPartitionReassignmentsRequest, alterPartitionReassignmentsResponse, listPartitionReassignmentsRequest, listPartitionReassignmentsResponse } from './partition-reassignments.js';
import { addPartitionsToTxnRequest, addPartitionsToTxnResponse } from './add-partitions-to-txn.js';
import { addOffsetsToTxnRequest, addOffsetsToTxnResponse } from './add-offsets-to-txn.js';
import { endTxnRequest, endTxnResponse } from './end-txn.js';
import { writeTxnMarkersRequest, writeTxnMarkersResponse } from './write-txn-markers.js';
import { txnOffsetCommitRequest, txnOffsetCommitResponse } from './txn-offset-commit.js';
import { describeProducersRequest, describeProducersResponse } from './describe-producers.js';
import { describeTransactionsRequest, describeTransactionsResponse } from './describe-transactions.js';
import { listTransactionsRequest, listTransactionsResponse } from './list-transactions.js';

export * from './produce.js';
export * from './fetch.js';
export * from './list-offsets.js';
export * from './metadata.js';
export * from './leader-and-isr.js';
export * from './stop-replica.js';
export * from './update-metadata.js';
export * from './controlled-shutdown.js';
export * from './offset-commit.js';
export * from './offset-fetch.js';
export * from './find-coordinator.js';
export * from './join-group.js';
export * from './heartbeat.js';
export * from './leave-group.js';
export * from './sync-group.js';
export * from './describe-groups.js';
export * from './list-groups.js';
export * from './sasl-handshake.js';
export * from './api-versions.js';
export * from './create-topics.js';
export * from './delete-topics.js';
export * from './init-producer-id.js';
export * from './offset-for-leader-epoch.js';
export * from './describe-configs.js';
export * from './alter-configs.js';
export * from './sasl-authenticate.js';
export * from './create-partitions.js';
export * from './delete-groups.js';
export * from './incremental-alter-configs.js';
export * from './offset-delete.js';
export * from './describe-client-quotas.js';
export * from './alter-client-quotas.js';
export * from './alter-partition.js';
export * from './delete-records.js';
export * from './describe-cluster.js';
export * from './describe-log-dirs.js';
export * from './alter-replica-log-dirs.js';
export * from './elect-leaders.js';
export * from './partition-reassignments.js';
export * from './add-partitions-to-txn.js';
export * from './add-offsets-to-txn.js';
export * from './end-txn.js';
export * from './write-txn-markers.js';
export * from './txn-offset-commit.js';
export * from './describe-producers.js';
export * from './describe-transactions.js';
export * from './list-transactions.js';

export interface MessagePair {
  readonly name: string;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

export const MESSAGES = {
  0: { name: 'Produce', request: produceRequest, response: produceResponse },
  1: { name: 'Fetch', request: fetchRequest, response: fetchResponse },
  2: { name: 'ListOffsets', request: listOffsetsRequest, response: listOffsetsResponse },
  3: { name: 'Metadata', request: metadataRequest, response: metadataResponse },
  4: { name: 'LeaderAndIsr', request: leaderAndIsrRequest, response: leaderAndIsrResponse },
  5: { name: 'StopReplica', request: stopReplicaRequest, response: stopReplicaResponse },
  6: { name: 'UpdateMetadata', request: updateMetadataRequest, response: updateMetadataResponse },
  7: { name: 'ControlledShutdown', request: controlledShutdownRequest, response: controlledShutdownResponse },
  8: { name: 'OffsetCommit', request: offsetCommitRequest, response: offsetCommitResponse },
  9: { name: 'OffsetFetch', request: offsetFetchRequest, response: offsetFetchResponse },
  10: { name: 'FindCoordinator', request: findCoordinatorRequest, response: findCoordinatorResponse },
  11: { name: 'JoinGroup', request: joinGroupRequest, response: joinGroupResponse },
  12: { name: 'Heartbeat', request: heartbeatRequest, response: heartbeatResponse },
  13: { name: 'LeaveGroup', request: leaveGroupRequest, response: leaveGroupResponse },
  14: { name: 'SyncGroup', request: syncGroupRequest, response: syncGroupResponse },
  15: { name: 'DescribeGroups', request: describeGroupsRequest, response: describeGroupsResponse },
  16: { name: 'ListGroups', request: listGroupsRequest, response: listGroupsResponse },
  17: { name: 'SaslHandshake', request: saslHandshakeRequest, response: saslHandshakeResponse },
  18: { name: 'ApiVersions', request: apiVersionsRequest, response: apiVersionsResponse },
  19: { name: 'CreateTopics', request: createTopicsRequest, response: createTopicsResponse },
  20: { name: 'DeleteTopics', request: deleteTopicsRequest, response: deleteTopicsResponse },
  21: { name: 'DeleteRecords', request: deleteRecordsRequest, response: deleteRecordsResponse },
  22: { name: 'InitProducerId', request: initProducerIdRequest, response: initProducerIdResponse },
  23: { name: 'OffsetForLeaderEpoch', request: offsetForLeaderEpochRequest, response: offsetForLeaderEpochResponse },
  24: { name: 'AddPartitionsToTxn', request: addPartitionsToTxnRequest, response: addPartitionsToTxnResponse },
  25: { name: 'AddOffsetsToTxn', request: addOffsetsToTxnRequest, response: addOffsetsToTxnResponse },
  26: { name: 'EndTxn', request: endTxnRequest, response: endTxnResponse },
  27: { name: 'WriteTxnMarkers', request: writeTxnMarkersRequest, response: writeTxnMarkersResponse },
  28: { name: 'TxnOffsetCommit', request: txnOffsetCommitRequest, response: txnOffsetCommitResponse },
  29: { name: 'DescribeAcls', request: describeAclsRequest, response: describeAclsResponse },
  30: { name: 'CreateAcls', request: createAclsRequest, response: createAclsResponse },
  31: { name: 'DeleteAcls', request: deleteAclsRequest, response: deleteAclsResponse },
  32: { name: 'DescribeConfigs', request: describeConfigsRequest, response: describeConfigsResponse },
  33: { name: 'AlterConfigs', request: alterConfigsRequest, response: alterConfigsResponse },
  34: { name: 'AlterReplicaLogDirs', request: alterReplicaLogDirsRequest, response: alterReplicaLogDirsResponse },
  35: { name: 'DescribeLogDirs', request: describeLogDirsRequest, response: describeLogDirsResponse },
  36: { name: 'SaslAuthenticate', request: saslAuthenticateRequest, response: saslAuthenticateResponse },
  37: { name: 'CreatePartitions', request: createPartitionsRequest, response: createPartitionsResponse },
  42: { name: 'DeleteGroups', request: deleteGroupsRequest, response: deleteGroupsResponse },
  43: { name: 'ElectLeaders', request: electLeadersRequest, response: electLeadersResponse },
  44: { name: 'IncrementalAlterConfigs', request: incrementalAlterConfigsRequest, response: incrementalAlterConfigsResponse },
  45: { name: 'AlterPartitionReassignments', request: alterPartitionReassignmentsRequest, response: alterPartitionReassignmentsResponse },
  46: { name: 'ListPartitionReassignments', request: listPartitionReassignmentsRequest, response: listPartitionReassignmentsResponse },
  47: { name: 'OffsetDelete', request: offsetDeleteRequest, response: offsetDeleteResponse },
  48: { name: 'DescribeClientQuotas', request: describeClientQuotasRequest, response: describeClientQuotasResponse },
  49: { name: 'AlterClientQuotas', request: alterClientQuotasRequest, response: alterClientQuotasResponse },
  50: { name: 'DescribeUserScramCredentials', request: describeUserScramCredentialsRequest, response: describeUserScramCredentialsResponse },
  51: { name: 'AlterUserScramCredentials', request: alterUserScramCredentialsRequest, response: alterUserScramCredentialsResponse },
  56: { name: 'AlterPartition', request: alterPartitionRequest, response: alterPartitionResponse },
  60: { name: 'DescribeCluster', request: describeClusterRequest, response: describeClusterResponse },
  61: { name: 'DescribeProducers', request: describeProducersRequest, response: describeProducersResponse },
  65: { name: 'DescribeTransactions', request: describeTransactionsRequest, response: describeTransactionsResponse },
  66: { name: 'ListTransactions', request: listTransactionsRequest, response: listTransactionsResponse },
} as const satisfies Record<number, MessagePair>;

export type Messages = typeof MESSAGES;
export type ImplementedApiKey = keyof Messages;

export function messagesFor(apiKey: number): MessagePair | undefined {
  return (MESSAGES as Record<number, MessagePair>)[apiKey];
}
