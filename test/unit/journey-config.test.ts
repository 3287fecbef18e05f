import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from '../../workflows/src/duration.ts';
import { JourneyConfig, journeyViolations, stepDelays } from '../../workflows/src/journey.ts';
import { BUILT_IN_CATALOGUE } from '../../workflows/src/catalogue.ts';
import { ConfigError, journeyFileSchema, loadJourneys, loadYaml } from '../../workflows/src/load.ts';

describe('durations', () => {
  it.each([
    ['PT1H', 3600],
    ['P1D', 86_400],
    ['P1DT12H', 129_600],
    ['PT90M', 5400],
    ['P2W', 1_209_600],
  ])('%s is %d s', (text, seconds) => expect(parseDurationSeconds(text)).toBe(seconds));

  it.each(['1h', 'P', 'PT', 'P1Y', ''])('refuses %j', (text) => expect(() => parseDurationSeconds(text)).toThrow(RangeError));
});

describe('journey files', () => {
  it('loads the shipped journeys: abandoned cart waits 1 h, then 23 h (3 h more after a help offer)', () => {
    const cart = loadJourneys().find((j) => j.id === 'abandoned-cart');
    expect(cart?.nodes?.filter((n) => n.wait).map((n) => [n.id, n.wait?.for])).toEqual([
      ['first-wait', 'PT1H'],
      ['help-wait', 'PT3H'],
      ['second-wait', 'PT23H'],
    ]);
    const post = loadJourneys().find((j) => j.id === 'post-purchase');
    expect(stepDelays(post!)).toEqual([2 * 86_400, 12 * 86_400]);
  });

  it('finds steps out of order, duplicates and unknown templates', () => {
    const journey = JourneyConfig.parse({
      id: 'x',
      name: 'X',
      trigger: 'checkout',
      topic: 'marketing',
      steps: [
        { id: 'a', after: 'PT2H', channel: 'email', template: 't1' },
        { id: 'a', after: 'PT1H', channel: 'email', template: 'missing' },
      ],
    });
    expect(journeyViolations(journey, { all: new Set(['t1']), withSubject: new Set(['t1']) })).toEqual([
      { path: 'steps.1.id', message: 'duplicate step id "a"' },
      { path: 'steps.1.after', message: 'each step must come later than the one before it' },
      { path: 'steps.1.template', message: 'no template "missing" in workflows/templates' },
    ]);
  });

  it('names the real line and column of a YAML syntax error', () => {
    const lines = ['id: bad', 'name: Bad', 'trigger: checkout', 'steps:', '  - id: one', '    after: PT1H', '    after: PT2H', '\tchannel: email'];
    try {
      loadYaml('bad.yaml', JourneyConfig, lines.join('\n'));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/^bad\.yaml:7:5: Map keys must be unique/), expect.stringMatching(/^bad\.yaml:8:1: Tabs are not allowed/)]);
    }
  });

  it('suggests the field or value a typo was meant to be, and names a missing field (a segment’s two forms are checked after the schema)', () => {
    const lines = ['id: bad', 'name: Bad', 'trigger: chekout', 'topic: marketing', 'steps:', '  - id: one', '    after: PT1H', '    channel: emial', '    templte: x', 'segment:', '  noPurchaseForDay: 3'];
    try {
      loadYaml('bad.yaml', journeyFileSchema(BUILT_IN_CATALOGUE), lines.join('\n'));
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems.sort()).toEqual(
        [
          'bad.yaml:3: trigger: "chekout" is not one of checkout, order.placed, order.fulfilled, order.delivered, payment.failed, customer.created, schedule, date (did you mean "checkout"?)',
          'bad.yaml:8: steps.0.channel: "emial" is not one of email, sms, preferred, staff (did you mean "email"?)',
          'bad.yaml:9: steps.0.templte: unknown field (did you mean "template"?); the fields here are id, after, channel, template, templateByCategory, topic',
          'bad.yaml:6: steps.0.template: missing (string required)',
          'bad.yaml:11: segment.noPurchaseForDay: unknown field (did you mean "noPurchaseForDays"?); the fields here are noPurchaseForDays, minOrders, minSpentPln, maxSpentPln, where',
        ].sort(),
      );
    }
  });

  it('names file, line and field of a schema error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'journey-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, ['id: bad', 'name: Bad', 'trigger: checkout', 'topic: marketing', 'steps:', '  - id: one', '    after: soon', '    channel: email', '    template: t'].join('\n'));
    try {
      loadYaml(file, JourneyConfig);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems[0]).toMatch(/bad\.yaml:7: steps\.0\.after: must be an ISO-8601 duration/);
    }
  });
});
