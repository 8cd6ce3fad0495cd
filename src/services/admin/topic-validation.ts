/** Kafka's topic-name rules (org.apache.kafka.common.internals.Topic), with its messages. */
export const MAX_TOPIC_NAME_LENGTH = 249;

export class InvalidTopicError extends Error { override name = 'InvalidTopicError'; }

export function validateTopicName(topic: string): void {
  if (topic.length === 0) throw new InvalidTopicError('Topic name is illegal, it can\'t be empty');
  if (topic === '.' || topic === '..') throw new InvalidTopicError('Topic name cannot be "." or ".."');
  if (topic.length > MAX_TOPIC_NAME_LENGTH) {
    throw new InvalidTopicError(`Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${topic}`);
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) {
    throw new InvalidTopicError(`Topic name "${topic}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`);
  }
}

/** '.' and '_' collide in metric names, so Kafka refuses topics that differ only there. */
export function unifyCollisionChars(topic: string): string {
  return topic.replace(/\./g, '_');
}

export function findCollision(topic: string, existing: Iterable<string>): string | null {
  const unified = unifyCollisionChars(topic);
  for (const t of existing) if (t !== topic && unifyCollisionChars(t) === unified) return t;
  return null;
}

export const isInternalTopic = (topic: string) => topic === '__consumer_offsets' || topic === '__transaction_state';
