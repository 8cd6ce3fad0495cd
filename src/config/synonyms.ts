/**
 * DynamicBrokerConfig.brokerConfigSynonyms (without listener overrides): keys naming the same setting.
 * Overriding one of them dynamically removes the others from the lower layers, so that e.g. a dynamic
 * log.roll.hours is not shadowed by a static log.roll.ms (which would otherwise take precedence).
 */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['log.roll.ms', 'log.roll.hours'],
  ['log.roll.jitter.ms', 'log.roll.jitter.hours'],
  ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
];

export function brokerConfigSynonyms(name: string): string[] {
  // log.flush.scheduler.interval.ms is only the fallback of log.flush.interval.ms, not the other way round.
  if (name === 'log.flush.interval.ms') return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
  return [...(SYNONYM_GROUPS.find((g) => g.includes(name)) ?? [name])];
}
