import { describe, it, expect } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import * as net from 'node:net';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { createActor, createMachine } from 'xstate';
import { sanitize, sanitizeEvent, sanitizeSnapshot, isSecretKey, HIDDEN } from '../../src/inspect/sanitize.js';
import { KafkaConfig } from '../../src/config/kafka-config.js';
import { ZkHandle } from '../../src/services/zookeeper/zk-handle.js';
import { ZkSession } from '../../src/services/zookeeper/zk-session.js';
import { lockLogDir } from '../../src/services/log/file-lock.js';

const props = {
  'broker.id': '7', 'zookeeper.connect': '127.0.0.1:2181/k', 'log.dirs': '/tmp/a,/tmp/b', listeners: 'PLAINTEXT://127.0.0.1:9092',
  'ssl.keystore.password': 'ks-secret', 'listener.name.plaintext.ssl.key.password': 'lk-secret',
  'listener.name.sasl_plaintext.plain.sasl.jaas.config': 'org.apache... password="jaas-secret";',
};

describe('sanitize', () => {
  it('summarises KafkaConfig without its originals, so no password leaves', () => {
    const config = KafkaConfig.fromProps(props);
    const s = sanitize({ config }) as { config: Record<string, unknown> };
    expect(s.config).toEqual({
      type: 'KafkaConfig', brokerId: 7, rack: null, zkConnect: '127.0.0.1:2181/k', logDirs: ['/tmp/a', '/tmp/b'],
      listeners: ['PLAINTEXT://127.0.0.1:9092'], advertisedListeners: ['PLAINTEXT://127.0.0.1:9092'], interBrokerListenerName: 'PLAINTEXT', inspectPort: null,
    });
    expect(JSON.stringify(s)).not.toMatch(/secret/);
  });

  it('hides secret keys in plain records (password configs, listener-prefixed ones, jaas) and in {key, value} pairs', () => {
    const s = sanitize({ staticProps: props, ignored: [{ key: 'ssl.truststore.password', value: 'ts-secret', reason: 'x' }, { key: 'num.io.threads', value: '8' }] });
    expect(JSON.stringify(s)).not.toMatch(/ks-secret|lk-secret|jaas-secret|ts-secret/);
    const sp = (s as { staticProps: Record<string, string> }).staticProps;
    expect(sp['ssl.keystore.password']).toBe(HIDDEN);
    expect(sp['listener.name.plaintext.ssl.key.password']).toBe(HIDDEN);
    expect(sp['listener.name.sasl_plaintext.plain.sasl.jaas.config']).toBe(HIDDEN);
    expect(sp['broker.id']).toBe('7');
    expect((s as { ignored: unknown[] }).ignored).toEqual([{ key: 'ssl.truststore.password', value: HIDDEN, reason: 'x' }, { key: 'num.io.threads', value: '8' }]);
    expect(isSecretKey('password.encoder.secret')).toBe(true);
    expect(isSecretKey('ssl.keystore.key')).toBe(true);
    expect(isSecretKey('zookeeper.ssl.truststore.password')).toBe(true);
    expect(isSecretKey('log.dirs')).toBe(false);
    expect(isSecretKey('brokerId')).toBe(false);
  });

  it('drops Buffers, loggers, ZooKeeper handles and sessions, file locks, functions; keeps Errors, bigints, Maps, Sets readable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rafka-sanitize-'));
    const lock = await lockLogDir(dir);
    const handle = new ZkHandle('127.0.0.1:1/x');
    const session = new ZkSession('127.0.0.1:1/x', { sessionTimeoutMs: 6000 });
    try {
      const s = sanitize({
        buf: Buffer.from('hello'), u8: new Uint8Array(3), log: pino({ level: 'silent' }), child: pino({ level: 'silent' }).child({ a: 1 }),
        handle, session, lock, fn: () => 1, sym: Symbol('x'), err: Object.assign(new Error('boom'), { code: 'EIO' }),
        epoch: 12345678901234567890n, when: new Date(0), map: new Map([['a', 1]]), set: new Set([1, 2]), nan: NaN, undef: undefined,
      });
      expect(s).toEqual({
        buf: { type: 'Buffer', length: 5 }, u8: { type: 'Buffer', length: 3 }, log: '[Logger]', child: '[Logger]',
        handle: { type: 'ZkHandle', connectString: '127.0.0.1:1/x', sessionId: null },
        session: { type: 'ZkSession', connectString: '127.0.0.1:1/x', sessionId: '0000000000000000' },
        lock: { type: 'FileLock', path: join(dir, '.lock') },
        err: { name: 'Error', message: 'boom', code: 'EIO' }, epoch: '12345678901234567890', when: '1970-01-01T00:00:00.000Z',
        map: { a: 1 }, set: [1, 2], nan: 'NaN',
      });
    } finally {
      // (never connected: ZkSession.close() would throw inside node-zookeeper-client)
      await lock.release();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('summarises servers, sockets, streams and timers instead of walking their internals', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const timer = setTimeout(() => undefined, 1000);
    try {
      expect(sanitize({ server, socket, stream: new PassThrough(), timer, emitter: new EventEmitter() })).toEqual({
        server: { type: 'Server', listening: true, address: `127.0.0.1:${port}` },
        socket: { type: 'Socket', remote: `127.0.0.1:${port}`, local: expect.stringMatching(/^127\.0\.0\.1:\d+$/) },
        stream: { type: 'PassThrough' }, timer: { type: 'Timeout' }, emitter: { type: 'EventEmitter' },
      });
    } finally {
      clearTimeout(timer);
      socket.destroy();
      await new Promise((r) => server.close(r));
    }
  });

  it('survives cycles, depth and size, and never throws', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(sanitize(a)).toEqual({ name: 'a', self: '[Circular]' });
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20; i++) { deep.next = {}; deep = deep.next as Record<string, unknown>; }
    expect(JSON.stringify(sanitize(root))).toContain('[…]');
    const big = sanitize(Array.from({ length: 1000 }, (_, i) => i)) as unknown[];
    expect(big).toHaveLength(201);
    expect(big.at(-1)).toBe('…(800 more)');
    const bigMap = sanitize(new Map(Array.from({ length: 10_000 }, (_, i) => [`p-${i}`, { offset: i }]))) as Record<string, unknown>;
    expect(Object.keys(bigMap)).toHaveLength(201);
    expect(bigMap['…']).toBe('9800 more');
    // A huge context is cut off by the node budget, not walked to the end.
    const wide = Array.from({ length: 200 }, () => Array.from({ length: 200 }, (_, i) => ({ i })));
    const cut = JSON.stringify(sanitize({ wide }));
    expect(cut).toContain('[…]');
    expect(cut.length).toBeLessThan(300_000);
    const hostile = { get boom() { throw new Error('getter'); } };
    expect(() => sanitize(hostile)).not.toThrow();
    // The same object twice (not a cycle) is kept twice.
    const shared = { x: 1 };
    expect(sanitize({ p: shared, q: shared })).toEqual({ p: { x: 1 }, q: { x: 1 } });
  });

  it('turns actor refs into refs, events into typed objects, snapshots into their JSON part', () => {
    const m = createMachine({ id: 'm', initial: 'a', context: { log: pino({ level: 'silent' }), data: Buffer.alloc(2) }, states: { a: { tags: ['t'] } } });
    const actor = createActor(m).start();
    expect(sanitize({ ref: actor })).toEqual({ ref: { xstate$$type: 1, id: actor.id, sessionId: actor.sessionId } });
    expect(sanitizeEvent({ type: 'config.updated', config: KafkaConfig.fromProps(props) })).toMatchObject({ type: 'config.updated', config: { type: 'KafkaConfig' } });
    expect(sanitizeEvent('plain')).toEqual({ type: 'plain', value: 'plain' });
    expect(sanitizeSnapshot(actor.getSnapshot())).toEqual({
      status: 'active', value: 'a', context: { log: '[Logger]', data: { type: 'Buffer', length: 2 } }, children: {}, tags: ['t'],
    });
    expect(sanitizeSnapshot(undefined)).toEqual({ status: 'active' });
    actor.stop();
  });
});
