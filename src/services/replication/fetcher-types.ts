/**
 * The seam between the ReplicaManager (a service: it decides which partitions follow which leader) and the
 * ReplicaFetcherManager (a machine: it runs the fetchers). Kafka's `AbstractFetcherManager.addFetcherForPartitions`
 * / `removeFetcherForPartitions` with `InitialFetchState`.
 */
export interface LeaderEndpoint { brokerId: number; host: string; port: number }

export interface InitialFetchState {
  topic: string;
  partition: number;
  topicId: string | null;
  leader: LeaderEndpoint;
  /** The leader epoch this follower fetches at (sent as current_leader_epoch). */
  currentLeaderEpoch: number;
  /** Where fetching starts: the log end offset (truncation through the diverging epoch) or the high watermark. */
  initOffset: bigint;
}

export interface ReplicaFetcherControl {
  addFetcherForPartitions(partitions: InitialFetchState[]): void;
  removeFetcherForPartitions(partitions: ReadonlyArray<{ topic: string; partition: number }>): void;
}
