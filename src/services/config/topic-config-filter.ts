/**
 * What reaches a topic's logs from /config/topics/<topic> (Kafka's TopicConfigHandler → LogConfig.fromProps). Kafka
 * leaves unknown names unused and fails the whole change on a bad value (ZkConfigManager logs it); Rafka keeps the
 * good entries and skips each unknown or invalid one with ONE warning naming key, value, znode and reason — whoever
 * wrote the znode (Rafka, kafka-configs.sh, a hand edit). A Kafka topic key Rafka's LogConfig does not implement is
 * kept (it changes nothing) and reported once as having no effect. The same entry seen again (a re-notification, a
 * later read) is not reported again.
 */
import type { Logger } from '../../logger.js';
import { configKey } from '../../config/config-def.js';
import { DEFAULT_LOG_CONFIG, LOG_CONFIG_TOPIC_KEYS, logConfigWithOverrides, type LogConfigError } from '../log/log-config.js';
import { TOPIC_CONFIG_NAMES } from '../admin/topic-validation.js';

const IMPLEMENTED = new Set(LOG_CONFIG_TOPIC_KEYS);

/** Why one /config/topics entry is skipped (`keep` false) or has no effect (`keep` true), or null if it applies. */
function topicEntryProblem(key: string, value: string): { reason: string; keep: boolean } | null {
  if (!TOPIC_CONFIG_NAMES.has(key)) {
    return { keep: false, reason: configKey(key) ? 'a broker config, not a topic config (set it on the broker, /config/brokers)' : 'not a Kafka topic config' };
  }
  if (!IMPLEMENTED.has(key)) return { keep: true, reason: 'a Kafka topic config Rafka does not implement: no effect' };
  const errors: LogConfigError[] = [];
  logConfigWithOverrides(DEFAULT_LOG_CONFIG, { [key]: value }, errors);
  return errors.length > 0 ? { keep: false, reason: `Invalid value ${value} for configuration ${key}: ${errors[0]!.message}` } : null;
}

export class TopicConfigFilter {
  /** Per topic, the entries already reported (key + value). */
  private readonly reported = new Map<string, Set<string>>();

  constructor(private readonly log: Logger) {}

  /** The overrides to apply to `topic`'s logs; every other entry reported once. */
  filter(topic: string, overrides: Readonly<Record<string, string>>): Record<string, string> {
    const kept: Record<string, string> = {};
    const seen = new Set<string>();
    const before = this.reported.get(topic) ?? new Set<string>();
    for (const [key, value] of Object.entries(overrides)) {
      const problem = topicEntryProblem(key, value);
      if (problem === null || problem.keep) kept[key] = value;
      if (problem === null) continue;
      const id = `${key}\0${value}`;
      seen.add(id);
      if (before.has(id)) continue;
      const znode = `/config/topics/${topic}`;
      this.log.warn({ topic, key, value, znode, reason: problem.reason },
        `${problem.keep ? 'No effect of' : 'Ignoring'} topic config ${key}=${value} in ${znode}: ${problem.reason}`);
    }
    this.reported.set(topic, seen);
    return kept;
  }

  filterAll(all: ReadonlyMap<string, Record<string, string>>): Map<string, Record<string, string>> {
    return new Map([...all].map(([topic, overrides]) => [topic, this.filter(topic, overrides)]));
  }
}

/**
 * One filter per broker, shared by the paths topic configs take into the LogManager (its startup read, config change
 * notifications, topics created elsewhere), keyed by the broker's ZooKeeper handle, which all of them hold.
 */
const filters = new WeakMap<object, TopicConfigFilter>();
export function topicConfigFilterFor(broker: object, log: Logger): TopicConfigFilter {
  let f = filters.get(broker);
  if (!f) filters.set(broker, (f = new TopicConfigFilter(log)));
  return f;
}
