/**
 * Where a group lives: Kafka's `GroupMetadataManager.partitionFor` — `Utils.abs(groupId.hashCode()) %
 * offsets.topic.num.partitions` with Java's `String.hashCode` (UTF-16 code units, 31-multiplier, int32 overflow)
 * and Kafka's `Utils.abs` (Integer.MIN_VALUE → 0, unlike Math.abs).
 */
export const OFFSETS_TOPIC = '__consumer_offsets';

/** Java's `String.hashCode()`. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's `Utils.abs`: `i == Integer.MIN_VALUE ? 0 : Math.abs(i)`. */
export function kafkaAbs(i: number): number {
  return i === -2147483648 ? 0 : Math.abs(i);
}

/** The `__consumer_offsets` partition of a group. */
export function partitionForGroup(groupId: string, numPartitions: number): number {
  return kafkaAbs(javaStringHashCode(groupId)) % numPartitions;
}
