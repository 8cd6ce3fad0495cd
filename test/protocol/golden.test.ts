// Request frames captured from real clients (kcat/librdkafka 2.0.2, kafka-python 2.0.2, kafkajs 2.2.4),
// stored as hex under fixtures/, decoded with our codec: fields as the clients sent them, and byte-exact
// re-encoding. Refresh with RAFKA_UPDATE_FIXTURES=1 npx vitest run test/protocol/live-clients.test.ts
import { existsSync } from 'node:fs';
import { expect, test } from 'vitest';
import { SCENARIOS, decodeAll, fixturePath, loadFixture } from './support/golden.js';

test.each(Object.keys(SCENARIOS))('%s frames decode to what the client sent and re-encode identically', (scenario) => {
  expect(existsSync(fixturePath(scenario))).toBe(true);
  const frames = loadFixture(scenario);
  expect(frames.length).toBeGreaterThan(1);
  SCENARIOS[scenario]!(decodeAll(frames));
});
