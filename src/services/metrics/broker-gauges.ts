/**
 * Gauges computed from the broker's state when Prometheus scrapes (no cost between scrapes), named as the JMX
 * exporter renders Kafka's MBeans, plus Rafka's own `rafka_actor_state{actor,state}` and
 * `rafka_majordomo_startup_step_seconds{step}`.
 */
import type { Registry } from 'prom-client';
import { registerGauge, type Sample } from './metric-families.js';
import type { ObservedBroker } from './observed-broker.js';

const BROKER_STATES: Readonly<Record<string, number>> = {
  NOT_RUNNING: 0, STARTING: 1, RECOVERY: 2, RUNNING: 3, PENDING_CONTROLLED_SHUTDOWN: 6, SHUTTING_DOWN: 7,
};

export function registerBrokerGauges(registry: Registry, b: ObservedBroker): void {
  registerGauge(registry, 'kafka_server_kafkaserver_brokerstate', 'Kafka BrokerState as its byte value (3 = RUNNING) (kafka.server:type=KafkaServer,name=BrokerState).',
    () => BROKER_STATES[b.brokerState()] ?? -1);
  registerGauge(registry, 'rafka_actor_state', 'Current state of each coordinator actor: 1 for the state it is in.', () =>
    b.actorStates().map((s): Sample => ({ value: 1, labels: { actor: s.actor, state: s.state } })));
  registerGauge(registry, 'rafka_majordomo_startup_step_seconds', 'Time each Majordomo startup step (KafkaServer.startup) took, seconds.', () =>
    b.startupSteps().map(([step, seconds]): Sample => ({ value: seconds, labels: { step } })));
  registerGauge(registry, 'rafka_ready', '1 when /readyz answers ready (RUNNING, registered in ZooKeeper, an online log dir).', () =>
    (b.brokerState() === 'RUNNING' && b.zooKeeperConnected() && b.registered() && b.onlineLogDirs().length > 0 ? 1 : 0));
  registerGauge(registry, 'kafka_log_logmanager_offlinelogdirectorycount', 'Offline log dirs (kafka.log:type=LogManager,name=OfflineLogDirectoryCount).',
    () => b.offlineLogDirs().length);
}
