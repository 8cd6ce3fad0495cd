/**
 * The requests a broker's request handlers pass to the controller (KafkaController.alterPartitions and
 * controlledShutdown): whichever broker receives them, only the active controller acts; any other answers
 * NOT_CONTROLLER, as Kafka's controller does when `!isActive`. Also the way the controller's own broker hands back
 * its in-process LeaderAndIsr answer. The broker creates one {@link ControllerApis}; the
 * controller's duties plug in while they run (controller-duties.ts) and unplug when they stop.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { AlterPartitionRequest, AlterPartitionResponseInput } from '../../protocol/messages/alter-partition.js';
import type { ElectionOutcome, ElectionTypeValue, TopicPartitionRef } from './replica-election.js';
import type { OngoingReassignment, ReassignmentRequest, ReassignmentResult } from './partition-reassignment.js';

export interface ControlledShutdownResult {
  errorCode: number;
  /** Partitions (RF > 1) the broker still leads: it should retry. */
  remainingPartitions: Array<{ topicName: string; partitionIndex: number }>;
}

export interface ActiveControllerApi {
  alterPartition(req: AlterPartitionRequest, version: number): Promise<AlterPartitionResponseInput>;
  controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult>;
  /** ElectLeaders (partitions null = every partition); null when the controller stopped meanwhile (NOT_CONTROLLER). */
  electLeaders(partitions: TopicPartitionRef[] | null, type: ElectionTypeValue): Promise<ElectionOutcome[] | null>;
  /** AlterPartitionReassignments (replicas null = cancel); null when the controller stopped meanwhile. */
  alterPartitionReassignments(requests: ReassignmentRequest[]): Promise<ReassignmentResult[] | null>;
  listPartitionReassignments(partitions: TopicPartitionRef[] | null): Promise<OngoingReassignment[] | null>;
  /** LeaderAndIsrResponseReceived from the controller's own broker (delivered in-process). */
  leaderAndIsrResponseReceived(brokerId: number, response: LeaderAndIsrAnswer): void;
}

/** A broker's LeaderAndIsr answer: the top-level error and each partition's (KAFKA_STORAGE_ERROR: on an offline dir). */
export interface LeaderAndIsrAnswer {
  errorCode: number;
  partitionErrors: Array<{ topicName: string; partitionIndex: number; errorCode: number }>;
}

export class ControllerApis {
  private active: ActiveControllerApi | null = null;

  /** Plugs in the active controller; the returned function unplugs it (only if still the one plugged in). */
  activate(api: ActiveControllerApi): () => void {
    this.active = api;
    return () => { if (this.active === api) this.active = null; };
  }

  get isActive(): boolean { return this.active !== null; }

  alterPartition(req: AlterPartitionRequest, version: number): Promise<AlterPartitionResponseInput> {
    if (!this.active) return Promise.resolve({ throttleTimeMs: 0, errorCode: ErrorCode.NOT_CONTROLLER, topics: [] });
    return this.active.alterPartition(req, version);
  }

  controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<ControlledShutdownResult> {
    if (!this.active) return Promise.resolve({ errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] });
    return this.active.controlledShutdown(brokerId, brokerEpoch);
  }

  /**
   * KafkaController.electLeaders: not active → NOT_CONTROLLER for each requested partition (none when all were asked
   * for, as Kafka's processReplicaLeaderElection answers an empty map).
   */
  async electLeaders(partitions: TopicPartitionRef[] | null, type: ElectionTypeValue): Promise<ElectionOutcome[]> {
    const notController = () => (partitions ?? []).map((p) => ({ ...p, errorCode: ErrorCode.NOT_CONTROLLER as number, errorMessage: null }));
    if (!this.active) return notController();
    return (await this.active.electLeaders(partitions, type)) ?? notController();
  }

  /** KafkaController.alterPartitionReassignments: not active → null (the handler answers a top-level NOT_CONTROLLER). */
  async alterPartitionReassignments(requests: ReassignmentRequest[]): Promise<ReassignmentResult[] | null> {
    return this.active ? this.active.alterPartitionReassignments(requests) : null;
  }

  /** The controller's own broker answered its LeaderAndIsr (ignored unless this broker is the active controller). */
  leaderAndIsrResponseReceived(brokerId: number, response: LeaderAndIsrAnswer): void {
    this.active?.leaderAndIsrResponseReceived(brokerId, response);
  }

  /** KafkaController.listPartitionReassignments: not active → null (top-level NOT_CONTROLLER). */
  async listPartitionReassignments(partitions: TopicPartitionRef[] | null): Promise<OngoingReassignment[] | null> {
    return this.active ? this.active.listPartitionReassignments(partitions) : null;
  }
}
