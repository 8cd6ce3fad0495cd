import { describe, expect, it } from 'vitest';
import { parseDateTime } from '../../src/commands/consumer-groups-reset.js';

// Kafka's Utils.getDateTime (UtilsTest / ResetConsumerGroupOffsetTest formats)
describe('--to-datetime (Utils.getDateTime)', () => {
  it.each([
    ['2019-01-01T00:00:00.000', Date.UTC(2019, 0, 1)], // no zone: UTC
    ['2019-01-01T00:00:00.000Z', Date.UTC(2019, 0, 1)],
    ['2019-01-01T01:00:00.000+01:00', Date.UTC(2019, 0, 1)],
    ['2019-01-01T01:30:00.000+0130', Date.UTC(2019, 0, 1)],
    ['2018-12-31T22:00:00.000-02', Date.UTC(2019, 0, 1)],
    ['2017-11-06T10:15:30.123', Date.UTC(2017, 10, 6, 10, 15, 30, 123)],
  ])('%s', (s, ms) => { expect(parseDateTime(s)).toBe(ms); });
  it.each(['2019-01-01', '2019-01-01T00:00:00', '2019-02-30T00:00:00.000', 'now'])('refuses %j', (s) => { expect(() => parseDateTime(s)).toThrow(); });
});
