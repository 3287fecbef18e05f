import { describe, expect, it } from 'vitest';
import { journeyDiff } from '../../workflows/src/diff.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';

const base = {
  id: 'cart',
  name: 'Cart',
  trigger: 'checkout',
  topic: 'marketing',
  exitOn: ['order.placed'],
  nodes: [
    { id: 'w', wait: { for: 'PT1H' } },
    { id: 'first', send: { channel: 'email', template: 'r1' } },
    { id: 'w2', wait: { for: 'PT23H' } },
    { id: 'second', send: { channel: 'email', template: 'r2' } },
  ],
};
const parse = (x: unknown) => JourneyConfig.parse(x);

describe('journeys diff', () => {
  it('tells nodes, which change for new enrolments only, from what changes for everyone already inside', () => {
    const before = parse(base);
    const after = parse({
      ...base,
      exitOn: ['order.placed', 'order.cancelled'],
      nodes: [{ id: 'w', wait: { for: 'PT2H' } }, { id: 'first', send: { template: 'r1', channel: 'email' } }, { id: 'w2', wait: { for: 'PT23H' } }, { id: 'third', send: { channel: 'sms', template: 'r3' } }],
    });
    expect(journeyDiff('cart', before, after, new Set(['r1', 'unrelated']))).toEqual([
      'cart: nodes change for new enrolments only; customers already inside finish on the version they started with',
      '  ~ w (wait): changed',
      '  + third (send)',
      '  - second (send)',
      'cart: templates change for new enrolments; those already inside keep the text of the deploy they started on',
      '  template r1 changed',
      'cart: for everyone, also those already inside',
      '  exits order.placed → order.cancelled, order.placed: applied by the ingest, so to customers already inside too',
    ]);
  });

  it('a filter on the trigger changes who enters; a waitFor’s filter, read by the ingest, changes it for those already waiting', () => {
    const waiting = { ...base, nodes: [{ id: 'again', waitFor: { event: 'order.placed', timeout: 'P30D', onEvent: 'done', onTimeout: 'nudge' } }, { id: 'nudge', send: { channel: 'email', template: 'r1' }, next: 'end' }, { id: 'done', exit: true }] };
    const before = parse(waiting);
    const after = parse({ ...waiting, filter: { field: 'cart.total', gte: 50 }, nodes: [{ ...waiting.nodes[0], waitFor: { ...waiting.nodes[0]!.waitFor, filter: { field: 'order.total', gte: 100 } } }, ...waiting.nodes.slice(1)] });
    expect(journeyDiff('cart', before, after)).toEqual([
      'cart: nodes change for new enrolments only; customers already inside finish on the version they started with',
      '  ~ again (waitFor): changed',
      'cart: for everyone, also those already inside',
      '  filter changed (who enters from the deploy on)',
      "  the filter of again's awaited order.placed changed: applied by the ingest, so to customers already waiting too",
    ]);
  });

  it('a key order of its own is no change; a new or removed journey says who it concerns', () => {
    const same = parse({ ...base, nodes: base.nodes.map((n) => Object.fromEntries(Object.entries(n).reverse())) });
    expect(journeyDiff('cart', parse(base), same)).toEqual(['cart: unchanged']);
    expect(journeyDiff('cart', undefined, parse(base))).toEqual(['cart: new journey (trigger checkout); it starts for triggers from the deploy on']);
    expect(journeyDiff('cart', parse(base), undefined)).toEqual(['cart: removed; customers already inside finish on the version they started with, and no one new enters']);
  });
});
