/** services/server/dynamic-listeners.ts: a TLS listener added by a dynamic change serves with its own listener-prefixed key store (issue 15, AA). */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { pino } from 'pino';
import { KafkaConfig } from '../../../src/config/kafka-config.js';
import { SocketServer } from '../../../src/services/network/socket-server.js';
import { listenerUpdateFor, listenersMayHaveChanged, registrationAfterListenerChange } from '../../../src/services/server/dynamic-listeners.js';
import type { RequestHandler } from '../../../src/services/network/connection.js';
import { makeTestCerts } from '../../helpers/certs.js';

const frame = (payload: Buffer) => { const b = Buffer.alloc(4 + payload.length); b.writeInt32BE(payload.length, 0); payload.copy(b, 4); return b; };
const echo: RequestHandler = async (f) => frame(Buffer.from(f));
const dirs: string[] = [];
afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

describe('dynamic listeners (Kafka DynamicListenerConfig.reconfigure)', () => {
  it('only the listener keys start a listener update', () => {
    expect(listenersMayHaveChanged(['log.retention.ms', 'listener.security.protocol.map'])).toBe(true);
    expect(listenersMayHaveChanged(['advertised.listeners'])).toBe(true);
    expect(listenersMayHaveChanged(['log.retention.ms', 'listener.name.secure.ssl.keystore.location'])).toBe(false);
  });

  it('the re-registration advertises bound ports for port 0 and leaves out a listener that did not bind', () => {
    const config = KafkaConfig.fromProps({ 'zookeeper.connect': 'x:1', 'broker.id': '3', listeners: 'PLAINTEXT://127.0.0.1:9092,EXTRA://127.0.0.1:0,BAD://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,EXTRA:PLAINTEXT,BAD:PLAINTEXT' });
    const bound = [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT', boundPort: 9092 },
      { listenerName: 'EXTRA', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT', boundPort: 41234 }];
    const info = registrationAfterListenerChange(config, 3, bound, 5);
    expect(info).toMatchObject({ id: 3, timestamp: 5 });
    expect(info.endpoints.map((e) => `${e.listenerName}://${e.host}:${e.port}`)).toEqual(['PLAINTEXT://127.0.0.1:9092', 'EXTRA://127.0.0.1:41234']);
  });

  it('an SSL listener added with its listener.name.<l>.ssl.* keys in the same change serves TLS with that key store; a bad one is reported, not thrown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rafka-dyn-listeners-'));
    dirs.push(dir);
    const certs = await makeTestCerts(dir);
    const base = { 'zookeeper.connect': 'x:1', 'broker.id': '1', listeners: 'PLAINTEXT://127.0.0.1:0' };
    const next = KafkaConfig.fromProps({ ...base, listeners: 'PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SECURE:SSL',
      'listener.name.secure.ssl.keystore.type': 'PEM', 'listener.name.secure.ssl.keystore.location': certs.brokerBundlePem });
    const update = listenerUpdateFor(next, undefined);
    if ('error' in update) throw new Error(update.error);
    expect(update.listeners.map((l) => l.listenerName)).toEqual(['PLAINTEXT', 'SECURE']);
    expect(update.security.get('SECURE')?.ssl).not.toBeNull();

    const server = new SocketServer({ listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' }],
      maxRequestBytes: 1024, idleTimeoutMs: 0, queuedMaxRequests: 10, handler: echo, log: pino({ level: 'silent' }) });
    try {
      await server.bind();
      server.enableRequestProcessing();
      const [secure] = await server.addListeners(update.listeners, update.security);
      expect(secure!.listenerName).toBe('SECURE');
      const ca = await readFile(certs.caPem);
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const s = tlsConnect({ host: '127.0.0.1', port: secure!.boundPort, ca, servername: 'localhost', checkServerIdentity: () => undefined }, () => s.write(frame(Buffer.from('over-tls'))));
        s.once('data', (d: Buffer) => { s.destroy(); resolve(d); });
        s.once('error', reject);
      });
      expect(answer.subarray(4).toString()).toBe('over-tls');
    } finally {
      await server.close();
    }

    const broken = KafkaConfig.fromProps({ ...base, listeners: 'PLAINTEXT://127.0.0.1:0,SECURE://127.0.0.1:0',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,SECURE:SSL',
      'listener.name.secure.ssl.keystore.type': 'PEM', 'listener.name.secure.ssl.keystore.location': join(dir, 'missing.pem') });
    expect(listenerUpdateFor(broken, undefined)).toMatchObject({ error: expect.stringMatching(/missing\.pem/) });
  });
});
