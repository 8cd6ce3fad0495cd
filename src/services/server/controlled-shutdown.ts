/**
 * The broker side of a controlled shutdown (Kafka's KafkaServer.controlledShutdown, ZooKeeper mode): up to
 * controlled.shutdown.max.retries attempts, each one ControlledShutdown request to the active controller found in the
 * metadata cache (its inter-broker listener endpoint), answered with the partitions this broker still leads; done when
 * none remain. Between attempts it waits controlled.shutdown.retry.backoff.ms. An attempt with no controller known, a
 * failed connection or no answer within controller.socket.timeout.ms counts as failed. Resolves whether it succeeded
 * (the broker then shuts down either way, as Kafka: "Proceeding to do an unclean shutdown").
 *
 * Version by inter.broker.protocol.version as Kafka: 0 before 0.9.0, 1 before 2.2-IV0, 2 before 2.4-IV1, else 3.
 */
import type { Logger } from '../../logger.js';
import { ApiKey } from '../../protocol/api-keys.js';
import { ErrorCode } from '../../protocol/errors.js';
import { metadataVersionOrdinal } from '../../config/metadata-version.js';
import { NodeToControllerChannel, type ControllerNodeProvider } from '../replication/node-to-controller-channel.js';

export function controlledShutdownVersion(ibp: string): number {
  const lt = (v: string) => metadataVersionOrdinal(ibp) < metadataVersionOrdinal(v);
  return lt('0.9.0') ? 0 : lt('2.2-IV0') ? 1 : lt('2.4-IV1') ? 2 : 3;
}

export interface ControlledShutdownOptions {
  brokerId: number;
  brokerEpoch: () => bigint;
  interBrokerProtocolVersion: string;
  controller: ControllerNodeProvider;
  maxRetries: number;
  retryBackoffMs: number;
  socketTimeoutMs: number;
  log: Logger;
  signal?: AbortSignal;
}

export async function controlledShutdown(o: ControlledShutdownOptions): Promise<boolean> {
  const version = controlledShutdownVersion(o.interBrokerProtocolVersion);
  let remaining = o.maxRetries;
  while (remaining > 0 && !o.signal?.aborted) {
    remaining--;
    const started = Date.now();
    const channel = new NodeToControllerChannel({
      channelName: 'controlled-shutdown', brokerId: o.brokerId, controller: o.controller,
      requestTimeoutMs: o.socketTimeoutMs, retryBackoffMs: 0, retryTimeoutMs: 0, log: o.log,
    });
    try {
      if (!o.controller()) {
        o.log.info('No controller present in the metadata cache');
      } else {
        const r = await channel.send(ApiKey.ControlledShutdown, version, { brokerId: o.brokerId, brokerEpoch: o.brokerEpoch() });
        const ms = Date.now() - started;
        if (r.errorCode !== ErrorCode.NONE) {
          o.log.info({ errorCode: r.errorCode }, `Controlled shutdown request returned after ${ms}ms with error ${r.errorCode}`);
        } else if (r.remainingPartitions.length === 0) {
          o.log.info(`Controlled shutdown request returned successfully after ${ms}ms`);
          return true;
        } else {
          o.log.info({ remaining: r.remainingPartitions.slice(0, 20).map((p) => `${p.topicName}-${p.partitionIndex}`) },
            `Controlled shutdown request returned after ${ms}ms with ${r.remainingPartitions.length} partitions remaining to move`);
        }
      }
    } catch (e) {
      o.log.warn({ err: (e as Error).message }, 'Error during controlled shutdown, possibly because leader movement took longer than the configured controller.socket.timeout.ms and/or request.timeout.ms');
    } finally {
      channel.close();
    }
    if (remaining > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, o.retryBackoffMs);
        o.signal?.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true });
      });
      o.log.info(`Retrying controlled shutdown (${remaining} retries remaining)`);
    }
  }
  return false;
}
