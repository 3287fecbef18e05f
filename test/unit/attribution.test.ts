import { describe, expect, it } from 'vitest';
import {
  type AttributedJourney,
  amountUnits,
  attribute,
  conversionCounts,
  decisionCounts,
  type GoalFact,
  statsDay,
  unitsAmount,
  unitsPer,
} from '../../functions/core/measurement.ts';
import type { Decision, Enrolment } from '../../functions/core/model.ts';

const CART: AttributedJourney = { id: 'abandoned-cart', trigger: 'checkout', goal: 'order.placed', attributionDays: 5 };
const WINBACK: AttributedJourney = { id: 'win-back', trigger: 'schedule', goal: 'order.placed', attributionDays: 5 };
const DUNNING: AttributedJourney = { id: 'dunning', trigger: 'payment.failed', goal: 'payment.succeeded', attributionDays: 3 };
const day = (n: number, hour = 10) => new Date(Date.UTC(2026, 10, n, hour)).toISOString();

function sent(at: string, extra: Partial<Decision> = {}): Decision {
  return { at, journey: 'abandoned-cart', step: 'first-reminder', executionName: 'abandoned-cart-x', channel: 'email', outcome: 'sent', template: 't', locale: 'pl', topic: 'marketing', ...extra };
}
function enrolment(key: string, extra: Partial<Enrolment> = {}): Enrolment {
  return { journey: 'abandoned-cart', key, executionName: 'abandoned-cart-x', status: 'active', startedAt: day(1, 8), ...extra };
}
const order = (at: string, extra: Partial<GoalFact> = {}): GoalFact => ({ goal: 'order.placed', subject: 'o-1', checkoutToken: 'tok-1', at, eventKey: 'api:o-1', revenue: '199.99', currency: 'PLN', ...extra });
const none = { own: [], byToken: [], ending: [] };

describe('attribution of a goal event', () => {
  it('credits a cart journey by its checkout token, to the node, variant and version of its last message', () => {
    const decisions = [sent(day(1, 9)), sent(day(2, 9), { step: 'second-reminder', variant: 'b', version: 'v7' })];
    const [c, ...rest] = attribute(order(day(3)), [CART], { ...none, byToken: [{ enrolment: enrolment('tok-1'), decisions }] });
    expect(rest).toEqual([]);
    expect(c).toEqual({
      journey: 'abandoned-cart',
      goal: 'order.placed',
      subject: 'o-1',
      at: day(3),
      eventKey: 'api:o-1',
      reason: 'checkout_token',
      revenue: '199.99',
      currency: 'PLN',
      executionName: 'abandoned-cart-x',
      messageAt: day(2, 9),
      step: 'second-reminder',
      variant: 'b',
      version: 'v7',
    });
  });

  it('credits the same customer when the last message lies within the window, and nobody after it', () => {
    const own = [sent(day(1, 9), { journey: 'win-back', step: 'come-back', executionName: 'win-back-1' })];
    expect(attribute(order(day(6, 9), { checkoutToken: undefined }), [WINBACK], { ...none, own })).toMatchObject([{ journey: 'win-back', reason: 'same_customer', step: 'come-back' }]);
    // Five days and a minute after the message: outside the window.
    expect(attribute(order(new Date(Date.parse(day(6, 9)) + 60_000).toISOString(), { checkoutToken: undefined }), [WINBACK], { ...none, own })).toEqual([]);
  });

  it('ignores messages sent after the goal event and journeys whose goal it is not', () => {
    const own = [sent(day(4))];
    expect(attribute(order(day(3), { checkoutToken: undefined }), [CART], { ...none, own })).toEqual([]);
    expect(attribute(order(day(4, 12), { checkoutToken: undefined }), [DUNNING], { ...none, own })).toEqual([]);
  });

  it('credits nothing when the journey never messaged the customer (an order before the first reminder)', () => {
    expect(attribute(order(day(1, 8)), [CART], { own: [], byToken: [{ enrolment: enrolment('tok-1'), decisions: [] }], ending: [enrolment('tok-1')] })).toEqual([]);
  });

  it('credits a still running enrolment the event ends, however long ago it last messaged', () => {
    const own = [sent(day(1, 9), { journey: 'dunning', step: 'first-notice', executionName: 'dunning-in-1' })];
    const goal: GoalFact = { goal: 'payment.succeeded', subject: 'in-1', at: day(10), eventKey: 'stripe:evt', revenue: '120.00', currency: 'PLN' };
    expect(attribute(goal, [DUNNING], { ...none, own })).toEqual([]);
    const ending = [enrolment('in-1', { journey: 'dunning', executionName: 'dunning-in-1' })];
    expect(attribute(goal, [DUNNING], { ...none, own, ending })).toMatchObject([{ journey: 'dunning', reason: 'same_customer', step: 'first-notice', revenue: '120.00' }]);
    // A completed enrolment (its last step ran) is no longer the journey's doing.
    expect(attribute(goal, [DUNNING], { ...none, own, ending: [{ ...ending[0]!, status: 'completed' }] })).toEqual([]);
  });

  it("counts a holdout member's would-be send as the journey's message, so the holdout converts too", () => {
    const held = sent(day(1, 9), { outcome: 'suppressed', reason: 'holdout', variant: 'holdout' });
    expect(attribute(order(day(2)), [CART], { ...none, byToken: [{ enrolment: enrolment('tok-1'), decisions: [held] }] })).toMatchObject([{ reason: 'checkout_token', variant: 'holdout' }]);
    // Suppressed for any other reason is no message.
    const refused = sent(day(1, 9), { outcome: 'suppressed', reason: 'no_consent' });
    expect(attribute(order(day(2)), [CART], { ...none, byToken: [{ enrolment: enrolment('tok-1'), decisions: [refused] }] })).toEqual([]);
  });

  it('prefers the checkout token, and credits one conversion per journey', () => {
    const own = [sent(day(2, 9), { executionName: 'abandoned-cart-other' })];
    const byToken = [{ enrolment: enrolment('tok-1'), decisions: [sent(day(1, 9))] }];
    expect(attribute(order(day(3)), [CART], { own, byToken, ending: [] })).toMatchObject([{ reason: 'checkout_token', executionName: 'abandoned-cart-x' }]);
  });
});

describe('counters of facts', () => {
  it('keeps exact amounts in ten-thousandths and writes them back with the currency’s digits', () => {
    expect(amountUnits('199.99')).toBe(1_999_900);
    expect(amountUnits('0.1') + amountUnits('0.2')).toBe(amountUnits('0.3'));
    expect(unitsAmount(1_999_900)).toBe('199.99');
    expect(unitsAmount(20_000_000)).toBe('2000.00');
    expect(unitsAmount(12_345)).toBe('1.2345');
    expect(unitsAmount(15_000, 'JPY')).toBe('1.5');
    expect(unitsAmount(-1_999_900)).toBe('-199.99');
    expect(unitsPer(1_000_000, 3)).toBe('33.33');
    expect(unitsPer(2_000_000, 3)).toBe('66.67');
    expect(() => amountUnits('1e3')).toThrow('not an amount');
  });

  it('keeps a counter under the day in Warsaw', () => {
    expect(statsDay('2026-11-23T23:30:00Z')).toBe('2026-11-24');
    expect(statsDay('2026-07-01T21:59:00Z')).toBe('2026-07-01');
  });

  it('counts a send, its e-mail or SMS parts, a suppression by reason, and the estimate of a step on AWS', () => {
    expect(decisionCounts(sent(day(1)), false)).toEqual({ key: { day: '2026-11-01', version: '-', node: 'first-reminder', variant: '-' }, counts: { sent: 1, emails: 1 } });
    expect(decisionCounts(sent(day(1), { channel: 'sms', segments: 2, variant: 'a', version: 'v2' }), true)).toEqual({
      key: { day: '2026-11-01', version: 'v2', node: 'first-reminder', variant: 'a' },
      counts: { sent: 1, smsParts: 2, transitions: 3, invocations: 1 },
    });
    expect(decisionCounts(sent(day(1), { outcome: 'suppressed', reason: 'frequency_cap' }), false)?.counts).toEqual({ 'suppressed:frequency_cap': 1 });
    expect(decisionCounts(sent(day(1), { outcome: 'deferred', reason: 'quiet_hours' }), true)).toBeUndefined();
    // A stale trigger started no execution: no step to estimate.
    expect(decisionCounts(sent(day(1), { outcome: 'suppressed', reason: 'stale_trigger' }), true)?.counts).toEqual({ 'suppressed:stale_trigger': 1 });
  });

  it('adds a conversion with its revenue, and takes back the revenue (not the conversion) of a refund', () => {
    const [c] = attribute(order(day(3)), [CART], { ...none, byToken: [{ enrolment: enrolment('tok-1'), decisions: [sent(day(2))] }] });
    expect(conversionCounts(c!)).toEqual({
      key: { day: '2026-11-03', version: '-', node: 'first-reminder', variant: '-' },
      counts: { converted: 1, 'revenue:PLN': 1_999_900, 'revenueSq:PLN': 39996.0001 },
    });
    expect(conversionCounts(c!, -1).counts).toEqual({ 'revenue:PLN': -1_999_900, 'revenueSq:PLN': -39996.0001 });
  });
});
