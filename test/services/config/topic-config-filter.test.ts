import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TopicConfigFilter, topicConfigFilterFor } from '../../../src/services/config/topic-config-filter.js';

function filter() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => { lines.push(JSON.parse(s) as Record<string, unknown>); } });
  return { f: new TopicConfigFilter(log), lines };
}

describe('TopicConfigFilter (/config/topics/<t> as found in ZooKeeper)', () => {
  it('keeps valid overrides, skips unknown and invalid ones with one warning each naming key, value, znode and reason', () => {
    const { f, lines } = filter();
    const found = { 'retention.ms': 'soon', 'no.such.key': '1', 'num.io.threads': '3', 'cleanup.policy': 'shred', 'segment.bytes': '1048576',
      'follower.replication.throttled.replicas': '*' };
    expect(f.filter('t', found)).toEqual({ 'segment.bytes': '1048576', 'follower.replication.throttled.replicas': '*' });
    expect(lines.map((l) => [l.level, l.key, l.value, l.znode, l.reason])).toEqual([
      [40, 'retention.ms', 'soon', '/config/topics/t', expect.stringMatching(/^Invalid value soon for configuration retention.ms: /)],
      [40, 'no.such.key', '1', '/config/topics/t', 'not a Kafka topic config'],
      [40, 'num.io.threads', '3', '/config/topics/t', 'a broker config, not a topic config (set it on the broker, /config/brokers)'],
      [40, 'cleanup.policy', 'shred', '/config/topics/t', expect.stringMatching(/^Invalid value shred for configuration cleanup.policy: /)],
      [40, 'follower.replication.throttled.replicas', '*', '/config/topics/t', 'a Kafka topic config Rafka does not implement: no effect'],
    ]);
    expect(lines[0]!.msg).toMatch(/^Ignoring topic config retention.ms=soon in \/config\/topics\/t: /);
    // the same entries again (a re-notification): nothing new; a changed value: reported
    lines.length = 0;
    f.filter('t', found);
    expect(lines).toEqual([]);
    f.filter('t', { ...found, 'retention.ms': 'later' });
    expect(lines.map((l) => [l.key, l.value])).toEqual([['retention.ms', 'later']]);
    // another topic has its own reports
    lines.length = 0;
    expect(f.filterAll(new Map([['u', { 'no.such.key': '1' }]]))).toEqual(new Map([['u', {}]]));
    expect(lines.map((l) => l.znode)).toEqual(['/config/topics/u']);
  });

  it('one filter per broker handle', () => {
    const a = {}, b = {};
    const log = pino({ level: 'silent' });
    expect(topicConfigFilterFor(a, log)).toBe(topicConfigFilterFor(a, log));
    expect(topicConfigFilterFor(a, log)).not.toBe(topicConfigFilterFor(b, log));
  });
});
