import { describe, expect, it } from 'vitest';
import { parseDateTime, parseDuration, parseResetPlan } from '../../src/commands/consumer-groups-reset.js';

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

describe('parseDuration (java.time.Duration.parse)', () => {
  it.each([
    ['PT1H', 3_600_000], ['P1D', 86_400_000], ['PT15M', 900_000], ['PT0.5S', 500], ['pt2s', 2000], ['P1DT2H3M4.005S', 86_400_000 + 7_384_005],
    ['-PT1H', -3_600_000], ['PT-1H30M', -1_800_000], ['PT-0.5S', -500],
  ])('%s', (s, ms) => { expect(parseDuration(s)).toBe(ms); });
  it.each(['', 'P', 'PT', '1H', 'P1H', 'PT1D', 'PT1.S5', 'P1Y'])('refuses %j', (s) => { expect(() => parseDuration(s)).toThrow(/Text cannot be parsed to a Duration/); });
});

describe('parseResetPlan (ConsumerGroupCommand.parseResetPlan)', () => {
  it('one group and three fields: topic,partition,offset for that group', () => {
    expect(parseResetPlan('t,0,5\nt,1,7\n\n', ['g'])).toEqual(new Map([['g', [{ topic: 't', partition: 0, offset: 5n }, { topic: 't', partition: 1, offset: 7n }]]]));
  });
  it('several groups (or four fields): group,topic,partition,offset', () => {
    expect(parseResetPlan('g1,t,0,5\r\ng2,u,3,0', ['g1', 'g2'])).toEqual(new Map([['g1', [{ topic: 't', partition: 0, offset: 5n }]], ['g2', [{ topic: 'u', partition: 3, offset: 0n }]]]));
    expect(parseResetPlan('g1,t,0,5', ['g1'])).toEqual(new Map([['g1', [{ topic: 't', partition: 0, offset: 5n }]]]));
  });
  it('a malformed line is a usage error naming it', () => {
    expect(() => parseResetPlan('t,x,5', ['g'])).toThrow(/cannot parse the line 't,x,5'/);
    expect(() => parseResetPlan('g,t,0', ['g', 'h'])).toThrow(/expected group,topic,partition,offset/);
  });
});
