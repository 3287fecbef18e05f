import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bucket, inHoldout, pickVariant } from '../../functions/core/assign.ts';
import { describeCondition, evaluate } from '../../workflows/src/conditions.ts';
import { graphViolations } from '../../workflows/src/graph-check.ts';
import { JourneyConfig, journeyFlow } from '../../workflows/src/journey.ts';
import { type ConfigError, loadJourneys } from '../../workflows/src/load.ts';
import type { JourneyNode } from '../../workflows/src/nodes.ts';
import { pathCosts } from '../../workflows/src/node-graph.ts';
import { nextLocalTime, waitEnd } from '../../workflows/src/waits.ts';

const templates = { all: new Set(['t1', 't2']), withSubject: new Set(['t1', 't2']) };
const check = (nodes: JourneyNode[], subject: 'cart' | 'order' | undefined = 'cart') => graphViolations(nodes, { topic: 'marketing', subject, templates }).map((v) => `${v.path}: ${v.message}`);
const send = (id: string, extra: Partial<JourneyNode> = {}): JourneyNode => ({ id, send: { channel: 'email', template: 't1' }, ...extra });

describe('journey graph validation', () => {
  it('accepts a graph with a branch, a split and waits', () => {
    expect(
      check([
        { id: 'w', wait: { for: 'PT1H' } },
        { id: 'b', branch: { cases: [{ if: { field: 'cart.total', gte: 500 }, next: 's' }], otherwise: 'ab' } },
        send('s', { next: 'end' }),
        { id: 'ab', split: { variants: [{ name: 'a', weight: 30, next: 'x' }, { name: 'b', weight: 70, next: 'y' }] } },
        send('x', { next: 'end' }),
        send('y'),
      ]),
    ).toEqual([]);
  });

  it('names each broken rule at its node: unknown targets with a suggestion, weights, fields, operators, templates', () => {
    expect(
      check([
        { id: 'start', branch: { cases: [{ if: { field: 'cart.totl', gte: 500 }, next: 'remnder' }, { if: { field: 'cart.categories', gt: 3 }, next: 'reminder' }], otherwise: 'reminder' } },
        { id: 'reminder', send: { channel: 'email', template: 'nope' }, next: 'ab' },
        { id: 'ab', split: { variants: [{ name: 'a', weight: 50, next: 'end' }, { name: 'b', weight: 40, next: 'end' }] } },
      ]),
    ).toEqual([
      'nodes.0.branch.cases.0.next: no node "remnder" (did you mean "reminder"?)',
      'nodes.0.branch.cases.0.if.field: no field "cart.totl" in this journey (did you mean "cart.total"?)',
      'nodes.0.branch.cases.1.if.field: gt compares numbers; cart.categories is a list',
      'nodes.1.send.template: no template "nope" in workflows/templates',
      'nodes.2.split.variants: weights add up to 90, not 100',
    ]);
  });

  it('a cart field means nothing in a journey about an order', () => {
    expect(check([{ id: 'b', branch: { cases: [{ if: { field: 'cart.total', gte: 1 }, next: 's' }], otherwise: 's' } }, send('s')], 'order')).toEqual([
      'nodes.0.branch.cases.0.if.field: no field "cart.total" in this journey',
    ]);
  });

  it('finds unreachable nodes, loops that pass no wait and paths that never end', () => {
    expect(check([send('a', { next: 'end' }), send('lonely')])).toEqual(['nodes.1.id: node "lonely" cannot be reached from the start (a)']);
    expect(check([send('a', { next: 'b' }), { id: 'b', branch: { cases: [{ if: { field: 'consent.email', is: true }, next: 'a' }], otherwise: 'end' } }])).toEqual([
      'nodes.0.id: the loop a → b → a passes no wait',
    ]);
    // A loop through a wait is fine, as long as something leaves it.
    expect(check([send('a', { next: 'w' }), { id: 'w', wait: { for: 'P1D' }, next: 'a' }])).toEqual([
      'nodes.0.id: no path from "a" ever ends the journey',
      'nodes.1.id: no path from "w" ever ends the journey',
    ]);
  });

  it('one kind per node, and the parts of a wait that go together', () => {
    expect(check([{ id: 'x', send: { channel: 'email', template: 't1' }, wait: { for: 'PT1H' } }])).toEqual(['nodes.0: a node does one thing; this one has send and wait']);
    expect(check([{ id: 'w', wait: { for: 'PT1H', until: '09:00', weekdays: ['mon'] } }, send('s')])).toEqual(['nodes.0.wait: a wait takes exactly one of for, until or date']);
  });

  it('a journey file gives the line of the offending node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-'));
    mkdirSync(join(dir, 'journeys'));
    mkdirSync(join(dir, 'templates'));
    writeFileSync(join(dir, 'templates', 't1.yaml'), 'pl:\n  subject: a\n  text: a\nen:\n  subject: a\n  text: a\n');
    writeFileSync(
      join(dir, 'journeys', 'j.yaml'),
      ['id: j', 'name: J', 'trigger: checkout', 'topic: marketing', 'nodes:', '  - id: w', '    wait: { for: PT1H }', '  - id: s', '    send: { channel: email, template: t1 }', '    next: nowhere', ''].join('\n'),
    );
    try {
      loadJourneys(join(dir, 'journeys'));
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([expect.stringMatching(/j\.yaml:10: nodes\.1\.next: no node "nowhere"/)]);
    }
  });
});

describe('conditions', () => {
  const facts = { 'cart.total': 620, 'cart.categories': ['ceramika'], 'consent.sms': false, 'profile.tags': [] };
  it('evaluate all, any and not over typed facts; a missing fact fails every test but exists: false', () => {
    expect(evaluate({ all: [{ field: 'cart.total', gte: 500 }, { field: 'cart.categories', contains: 'ceramika' }] }, facts)).toBe(true);
    expect(evaluate({ any: [{ field: 'consent.sms', is: true }, { not: { field: 'cart.total', lt: 100 } }] }, facts)).toBe(true);
    expect(evaluate({ field: 'profile.lifetimeSpend', gt: 0 }, facts)).toBe(false);
    expect(evaluate({ field: 'profile.lifetimeSpend', exists: false }, facts)).toBe(true);
    expect(describeCondition({ all: [{ field: 'cart.total', gte: 500 }, { field: 'consent.sms', is: true }] })).toBe('cart.total ≥ 500 and consent.sms = true');
  });
});

describe('waits', () => {
  it('until a local time: the next one after the moment, across the DST change, on given weekdays', () => {
    // 2026-10-25 is the last Sunday of October: Warsaw goes from UTC+2 to UTC+1.
    expect(nextLocalTime(new Date('2026-10-24T20:00:00Z'), '09:00', 'Europe/Warsaw').toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(nextLocalTime(new Date('2026-10-23T06:00:00Z'), '09:00', 'Europe/Warsaw').toISOString()).toBe('2026-10-23T07:00:00.000Z');
    // Friday 10:00 → the next Monday or Wednesday 09:00.
    expect(nextLocalTime(new Date('2026-11-27T09:00:00Z'), '09:00', 'Europe/Warsaw', ['mon', 'wed']).toISOString()).toBe('2026-11-30T08:00:00.000Z');
  });

  it('until a date attribute: a birthday at 09:00 every year, a week early; none without the attribute', () => {
    const spec = { date: 'birthday', offset: '-P7D', at: '09:00', yearly: true };
    expect(waitEnd(spec, new Date('2026-11-24T12:00:00Z'), { attributes: { birthday: '1990-12-20' } })).toEqual({ at: new Date('2026-12-13T08:00:00Z') });
    expect(waitEnd(spec, new Date('2026-12-14T12:00:00Z'), { attributes: { birthday: '1990-12-20' } })).toEqual({ at: new Date('2027-12-13T08:00:00Z') });
    expect(waitEnd({ date: 'birthday', yearly: true }, new Date('2026-11-24T12:00:00Z'), { attributes: { birthday: '1992-02-29' } })).toEqual({ at: new Date('2027-02-28T08:00:00Z') });
    expect(waitEnd(spec, new Date('2026-11-24T12:00:00Z'), { attributes: {} })).toEqual({ none: 'no_date' });
  });
});

describe('stable assignment', () => {
  it('the same customer always lands in the same arm; arms and holdouts take their share', () => {
    const variants = [{ name: 'a', weight: 20 }, { name: 'b', weight: 80 }];
    expect(pickVariant(variants, bucket('shop', 'c_1', 'j', 'split')).name).toBe(pickVariant(variants, bucket('shop', 'c_1', 'j', 'split')).name);
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (salt) => {
        const n = 2000;
        let a = 0;
        let held = 0;
        for (let i = 0; i < n; i++) {
          if (pickVariant(variants, bucket('shop', `c_${i}`, salt, 'split')).name === 'a') a++;
          if (inHoldout(10, bucket('shop', `c_${i}`, salt, 'holdout'))) held++;
        }
        // Within about five standard errors of the weights.
        return Math.abs(a / n - 0.2) < 0.05 && Math.abs(held / n - 0.1) < 0.04;
      }),
      { numRuns: 20 },
    );
  });
});

describe('the cost of a path', () => {
  it('counts a Task and a Choice per stretch between waits, a Wait per wait, and the end of a Task that could have waited', () => {
    const journey = JourneyConfig.parse({
      id: 'j',
      name: 'J',
      trigger: 'order.placed',
      topic: 'service',
      nodes: [
        { id: 'shipped', waitFor: { event: 'order.delivered', timeout: 'P5D', onEvent: 'done', onTimeout: 'sorry' } },
        { id: 'sorry', send: { channel: 'email', template: 't1' }, next: 'end' },
        { id: 'done', exit: true },
      ],
    });
    const costs = Object.fromEntries(pathCosts(journeyFlow(journey)!).map((p) => [p.nodes.join(' → '), p.transitions]));
    // Entry Choice, Start Task, Choice, Wait, then the timed-out Task; or the continuation's Choice and Task.
    expect(costs).toEqual({ 'shipped → done': 6, 'shipped → sorry': 5 });
  });
});
