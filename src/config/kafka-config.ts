import { ConfigException } from './config-exception.js';
import { BROKER_CONFIG_DEFS, configKey } from './config-def.js';
import type { ConfigType } from './config-key.js';
import { isRecognisedKey, parseAll, parseValue } from './config-values.js';
import { formatValue } from './parse-type.js';
import { listenerListToEndPoints, normaliseListenerName, parseSecurityProtocolMap, type EndPoint } from './listeners.js';
import { validateValues } from './validate-values.js';

export { ConfigException } from './config-exception.js';
export type { EndPoint } from './listeners.js';
export { applyOverrides, loadPropertiesFile, parseOverride, parsePropertiesText } from './properties-file.js';
export { renderConfigHelp } from './config-help.js';
export { unknownConfigMessage } from './config-values.js';

const HOUR_MS = 60 * 60 * 1000;

export interface KafkaConfigOptions {
  /** Called once per supplied key that no definition (or known prefix) covers; log it as a warning. */
  onUnknownKey?: (key: string) => void;
}

/** The broker's validated, typed configuration, built from string properties. */
export class KafkaConfig {
  readonly originals: Readonly<Record<string, string>>;
  readonly brokerId: number;
  readonly brokerIdGenerationEnable: boolean;
  readonly reservedBrokerMaxId: number;
  readonly rack: string | null;
  readonly zkConnect: string;
  readonly zkSessionTimeoutMs: number;
  readonly zkConnectionTimeoutMs: number;
  readonly zkSetAcl: boolean;
  readonly logDirs: string[];
  readonly listenerSecurityProtocolMap: Record<string, string>;
  readonly listeners: EndPoint[];
  readonly effectiveAdvertisedListeners: EndPoint[];
  readonly interBrokerListenerName: string;
  readonly interBrokerSecurityProtocol: string;
  readonly inspectPort: number | null;

  static fromProps(props: Record<string, string>, opts: KafkaConfigOptions = {}): KafkaConfig {
    const originals = Object.freeze({ ...props });
    const values = parseAll(originals);
    for (const key of Object.keys(originals)) {
      if (!isRecognisedKey(key)) opts.onUnknownKey?.(key);
    }
    return new KafkaConfig(originals, values);
  }

  private constructor(originals: Readonly<Record<string, string>>, private readonly values: Map<string, unknown>) {
    this.originals = originals;
    this.brokerId = this.getInt('broker.id');
    this.brokerIdGenerationEnable = this.getBoolean('broker.id.generation.enable');
    this.reservedBrokerMaxId = this.getInt('reserved.broker.max.id');
    this.rack = this.getString('broker.rack');
    this.zkConnect = this.getString('zookeeper.connect')!;
    this.zkSessionTimeoutMs = this.getInt('zookeeper.session.timeout.ms');
    this.zkConnectionTimeoutMs = (this.get('zookeeper.connection.timeout.ms') as number | null) ?? this.zkSessionTimeoutMs;
    this.zkSetAcl = this.getBoolean('zookeeper.set.acl');
    this.logDirs = csvList(this.getString('log.dirs') ?? this.getString('log.dir') ?? '');
    this.listenerSecurityProtocolMap = parseSecurityProtocolMap('listener.security.protocol.map',
      this.getString('listener.security.protocol.map')!);
    this.listeners = listenerListToEndPoints('listeners', this.getString('listeners')!, this.listenerSecurityProtocolMap);
    const advertised = this.getString('advertised.listeners');
    this.effectiveAdvertisedListeners = advertised === null ? this.listeners
      : listenerListToEndPoints('advertised.listeners', advertised, this.listenerSecurityProtocolMap, false);
    [this.interBrokerListenerName, this.interBrokerSecurityProtocol] = this.resolveInterBrokerListener();
    const port = this.get('inspect.port') as number | null;
    this.inspectPort = port === null || port === -1 ? null : port;
    validateValues(this);
  }

  /** inter.broker.listener.name wins; otherwise the listener named after security.inter.broker.protocol. */
  private resolveInterBrokerListener(): [string, string] {
    const name = this.getString('inter.broker.listener.name');
    if (name === null) {
      const protocol = this.getString('security.inter.broker.protocol')!;
      return [protocol, protocol];
    }
    if (Object.hasOwn(this.originals, 'security.inter.broker.protocol')) {
      throw new ConfigException('Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
    }
    const listenerName = normaliseListenerName(name);
    const protocol = this.listenerSecurityProtocolMap[listenerName];
    if (protocol === undefined) {
      throw new ConfigException(`Listener with name ${listenerName} defined in inter.broker.listener.name not found in listener.security.protocol.map.`);
    }
    return [listenerName, protocol];
  }

  /** Typed value of a defined key (null when unset without default). */
  get(name: string): unknown {
    if (!this.values.has(name)) throw new ConfigException(`Unknown configuration '${name}'`);
    return this.values.get(name);
  }

  private typed(name: string, ...types: ConfigType[]): unknown {
    const value = this.get(name);
    const type = configKey(name)!.type;
    if (!types.includes(type)) throw new ConfigException(`Configuration ${name} is of type ${type}, not ${types[0]}`);
    return value;
  }

  getInt(name: string): number { return this.typed(name, 'int') as number; }
  getLong(name: string): number { return this.typed(name, 'long') as number; }
  getDouble(name: string): number { return this.typed(name, 'double') as number; }
  getBoolean(name: string): boolean { return this.typed(name, 'boolean') as boolean; }
  getString(name: string): string | null { return this.typed(name, 'string', 'class') as string | null; }
  getPassword(name: string): string | null { return this.typed(name, 'password') as string | null; }
  getList(name: string): string[] { return this.typed(name, 'list') as string[]; }

  /**
   * A per-listener value: `listener.name.<listener>.<name>` when supplied (parsed and validated like
   * `<name>`), else the broker-wide `<name>` (AbstractConfig.valuesWithPrefixOverride).
   */
  listenerValue(listenerName: string, name: string): unknown {
    const key = configKey(name);
    const raw = this.originals[`listener.name.${listenerName.toLowerCase()}.${name}`];
    if (key === undefined || raw === undefined) return this.get(name);
    return parseValue(key, raw);
  }

  /**
   * A per-listener, per-SASL-mechanism value: `listener.name.<listener>.<mechanism>.<name>` (Kafka's
   * ListenerName.saslMechanismConfigPrefix, e.g. listener.name.sasl_ssl.plain.sasl.jaas.config), else null.
   */
  listenerMechanismValue(listenerName: string, mechanism: string, name: string): unknown {
    const key = configKey(name);
    const raw = this.originals[`listener.name.${listenerName.toLowerCase()}.${mechanism.toLowerCase()}.${name}`];
    if (key === undefined || raw === undefined) return null;
    return parseValue(key, raw);
  }

  /** log.roll.ms, else log.roll.hours in ms. */
  get logRollTimeMillis(): number {
    return (this.get('log.roll.ms') as number | null) ?? HOUR_MS * this.getInt('log.roll.hours');
  }

  /** log.roll.jitter.ms, else log.roll.jitter.hours in ms. */
  get logRollTimeJitterMillis(): number {
    return (this.get('log.roll.jitter.ms') as number | null) ?? HOUR_MS * this.getInt('log.roll.jitter.hours');
  }

  /** log.retention.ms, else .minutes, else .hours; any negative value means unlimited (-1). */
  get logRetentionTimeMillis(): number {
    const minutes = this.get('log.retention.minutes') as number | null;
    const millis = (this.get('log.retention.ms') as number | null)
      ?? (minutes !== null ? minutes * 60_000 : this.getInt('log.retention.hours') * HOUR_MS);
    return millis < 0 ? -1 : millis;
  }

  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  get logFlushIntervalMs(): number {
    return (this.get('log.flush.interval.ms') as number | null) ?? this.getLong('log.flush.scheduler.interval.ms');
  }

  /** The effective config for the startup dump: every defined key, sorted, passwords as [hidden]. */
  loggableValues(): Array<[string, string]> {
    return BROKER_CONFIG_DEFS
      .map((k): [string, string] => [k.name, formatValue(k.type, this.values.get(k.name))])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}

/** Csv.parseCsvList: comma-separated, surrounding whitespace and empty entries dropped. */
function csvList(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
