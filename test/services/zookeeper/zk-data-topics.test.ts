/** Kafka's JSON for topic assignment, partition state, notifications, producer id block, ACLs, /controller. */
import { describe, it, expect } from 'vitest';
import {
  TopicZNode, TopicPartitionStateZNode, IsrChangeNotificationZNode, LogDirEventNotificationDecoder, ProducerIdBlockZNode,
  ControllerZNodeInfo, AclZNode, TopicPaths,
} from '../../../src/services/zookeeper/zk-data-topics.js';
import { LogDirEventNotificationZNode } from '../../../src/services/zookeeper/zk-data.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('TopicZNode', () => {
  it('decodes Kafka v3 JSON (partition keys are strings, reassignment maps, topic id)', () => {
    const a = TopicZNode.decode('t', b('{"version":3,"partitions":{"0":[1,2,3],"1":[2,3,1]},"adding_replicas":{},"removing_replicas":{"1":[1]},"topic_id":"q2nSLUbWQ2ShYmlc7yZ0bA"}'));
    expect(a.partitions).toEqual(new Map([[0, [1, 2, 3]], [1, [2, 3, 1]]]));
    expect(a.addingReplicas).toEqual(new Map());
    expect(a.removingReplicas).toEqual(new Map([[1, [1]]]));
    expect(a.topicId).toBe('q2nSLUbWQ2ShYmlc7yZ0bA');
  });

  it('reads v1 (partitions only) with empty reassignment and no topic id, and a missing partitions map as empty', () => {
    expect(TopicZNode.decode('t', b('{"version":1,"partitions":{"0":[1]}}'))).toEqual({ partitions: new Map([[0, [1]]]), addingReplicas: new Map(), removingReplicas: new Map(), topicId: null });
    expect(TopicZNode.decode('t', b('{"version":3}')).partitions.size).toBe(0);
  });

  it('encodes what Kafka writes and round-trips', () => {
    const enc = TopicZNode.encode({ partitions: new Map([[1, [2, 1]], [0, [1, 2]]]), removingReplicas: new Map([[1, [1]]]), topicId: 'q2nSLUbWQ2ShYmlc7yZ0bA' });
    expect(JSON.parse(enc.toString())).toEqual({ version: 3, partitions: { 0: [1, 2], 1: [2, 1] }, adding_replicas: {}, removing_replicas: { 1: [1] }, topic_id: 'q2nSLUbWQ2ShYmlc7yZ0bA' });
    expect(TopicZNode.decode('t', enc).partitions.get(1)).toEqual([2, 1]);
    expect(JSON.parse(TopicZNode.encode({ partitions: new Map([[0, [1]]]) }).toString())).not.toHaveProperty('topic_id');
  });

  it('throws on bad data, naming the topic', () => {
    expect(() => TopicZNode.decode('t', b('not json{'))).toThrow(/^Failed to parse the topic t assignment json not json\{: /);
    expect(() => TopicZNode.decode('t', b('{"partitions":{"x":[1]}}'))).toThrow('Invalid partition "x" in partitions');
    expect(() => TopicZNode.decode('t', b('{"partitions":{"0":["1"]}}'))).toThrow('partitions of partition 0 is not an array of integers');
    expect(() => TopicZNode.decode('t', b('[1]'))).toThrow('is not an object');
    expect(() => TopicZNode.decode('t', null)).toThrow('Empty topic t assignment znode');
  });
});

describe('TopicPartitionStateZNode', () => {
  it('decodes leader, ISR, epochs; leader_recovery_state defaults to RECOVERED (0)', () => {
    expect(TopicPartitionStateZNode.decode('/s', b('{"version":1,"leader":1,"leader_epoch":5,"isr":[1,2],"controller_epoch":3}')))
      .toEqual({ leader: 1, leaderEpoch: 5, isr: [1, 2], controllerEpoch: 3, leaderRecoveryState: 0 });
    expect(TopicPartitionStateZNode.decode('/s', b('{"version":1,"leader":-1,"leader_epoch":6,"isr":[2],"controller_epoch":3,"leader_recovery_state":1}')).leaderRecoveryState).toBe(1);
  });

  it('encodes like Kafka (leader_recovery_state only when RECOVERING)', () => {
    expect(JSON.parse(TopicPartitionStateZNode.encode({ leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1 }).toString()))
      .toEqual({ version: 1, leader: 1, leader_epoch: 0, isr: [1], controller_epoch: 1 });
    expect(JSON.parse(TopicPartitionStateZNode.encode({ leader: 1, leaderEpoch: 0, isr: [1], controllerEpoch: 1, leaderRecoveryState: 1 }).toString()).leader_recovery_state).toBe(1);
  });

  it('throws on missing fields', () => {
    expect(() => TopicPartitionStateZNode.decode('/s', b('{"version":1,"leader_epoch":5,"isr":[1],"controller_epoch":3}'))).toThrow('Missing or non-integer "leader" in partition state /s json');
    expect(() => TopicPartitionStateZNode.decode('/s', b('{"leader":1,"leader_epoch":5,"isr":"1","controller_epoch":3}'))).toThrow('"isr" in partition state /s json is not an array of integers');
  });
});

describe('notifications, producer id block, controller, ACLs', () => {
  it('ISR change notification', () => {
    const enc = IsrChangeNotificationZNode.encode([{ topic: 'a', partition: 0 }]);
    expect(enc.toString()).toBe('{"version":1,"partitions":[{"topic":"a","partition":0}]}');
    expect(IsrChangeNotificationZNode.decode('/n', enc)).toEqual([{ topic: 'a', partition: 0 }]);
    expect(() => IsrChangeNotificationZNode.decode('/n', b('{"version":1,"partitions":[{"topic":"a"}]}'))).toThrow('Invalid partition entry');
  });

  it('log dir event notification (as zk-data.ts encodes it)', () => {
    expect(LogDirEventNotificationDecoder.decode('/n', LogDirEventNotificationZNode.encode(3))).toEqual({ broker: 3, event: 1 });
    expect(() => LogDirEventNotificationDecoder.decode('/n', b('{"version":1,"event":1}'))).toThrow('"broker"');
  });

  it('producer id block: start/end are JSON strings; an empty znode is no block', () => {
    const enc = ProducerIdBlockZNode.encode({ broker: 1, blockStart: 0, blockEnd: 999 });
    expect(enc.toString()).toBe('{"version":1,"broker":1,"block_start":"0","block_end":"999"}');
    expect(ProducerIdBlockZNode.decode(enc)).toEqual({ broker: 1, blockStart: 0, blockEnd: 999 });
    expect(ProducerIdBlockZNode.decode(Buffer.alloc(0))).toBeNull();
    expect(ProducerIdBlockZNode.decode(null)).toBeNull();
    expect(() => ProducerIdBlockZNode.decode(b('{"version":1,"broker":1,"block_start":"x","block_end":"9"}'))).toThrow('"block_start"');
  });

  it('controller: id, timestamp (a string), KRaft controller epoch', () => {
    expect(ControllerZNodeInfo.decode(b('{"version":2,"brokerid":1,"timestamp":"1729812345678","kraftControllerEpoch":-1}')))
      .toEqual({ brokerId: 1, timestamp: 1729812345678, kraftControllerEpoch: -1 });
    expect(ControllerZNodeInfo.decode(b('{"version":1,"brokerid":2,"timestamp":"5"}'))).toEqual({ brokerId: 2, timestamp: 5, kraftControllerEpoch: -1 });
    expect(() => ControllerZNodeInfo.decode(b('{"version":2}'))).toThrow('"brokerid"');
  });

  it('ACL znode', () => {
    const acls = [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Read', host: '*' }];
    expect(AclZNode.decode('/kafka-acl/Topic/a', AclZNode.encode(acls))).toEqual(acls);
    expect(() => AclZNode.decode('/p', b('{"version":1,"acls":[{"principal":"User:a"}]}'))).toThrow('"permissionType" is missing');
  });

  it('paths', () => {
    expect(TopicPaths.partitionState('t', 3)).toBe('/brokers/topics/t/partitions/3/state');
    expect(TopicPaths.deleteTopic('t')).toBe('/admin/delete_topics/t');
  });
});
