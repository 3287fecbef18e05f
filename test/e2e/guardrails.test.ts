import { describe, expect, it } from 'vitest';
import { customerIdFor } from '../../functions/shared/ids.ts';
import { localHarness } from '../support/harness.ts';
import { apiEvent, CART, checkoutEvent, hours, inbox } from '../support/local.ts';

const harness = localHarness();
const stack = harness.stack;
const later = (t: Date, ms: number) => new Date(t.getTime() + ms);

describe('sending hours', () => {
  it('moves reminders due at night to 08:00 Warsaw time across the spring-forward weekend, and records why', async () => {
    // Saturday 28 March 2026, 21:00 CET: the 1 h reminder would go at 22:00.
    const T = new Date('2026-03-28T20:00:00Z');
    const lines: Record<string, unknown>[] = [];
    const s = await stack(T, { observe: (d) => lines.push({ ...d }) });
    const email = 'night.owl@example.pl';
    await s.request(checkoutEvent('c-night', email, 'tok-night', T));
    expect(lines).toContainEqual(expect.objectContaining({ outcome: 'deferred', reason: 'quiet_hours', step: 'cart-value', until: '2026-03-29T06:00:00.000Z' }));

    await s.engine.advanceTo(new Date('2026-03-29T05:59:59Z'));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(0);
    await s.engine.advanceTo(new Date('2026-03-29T06:00:00Z'));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
    // 23 h later is 07:00 CEST on Monday: moved to 08:00 CEST (06:00 UTC).
    await s.engine.advanceTo(new Date('2026-03-30T05:59:59Z'));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
    await s.engine.advanceTo(new Date('2026-03-30T06:00:00Z'));
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(2);
  });

  it('does not hold back service messages', async () => {
    const T = new Date('2026-03-28T23:30:00Z');
    const s = await stack(T);
    const email = 'night.payment@example.pl';
    await s.request(apiEvent({ id: 'pf-night', type: 'payment.failed', occurredAt: T.toISOString(), customer: { email }, payment: { invoiceId: 'inv-night', amount: '10.00', currency: 'PLN' } }));
    await s.engine.idle();
    expect(await inbox(s.sesEndpoint!, email)).toHaveLength(1);
  });
});

describe('frequency cap', () => {
  it('holds across journeys: the cart reminders use the allowance, post-purchase is skipped with a reason, later sends resume', async () => {
    const T = new Date('2026-06-01T08:00:00Z');
    const s = await stack(T, { frequencyCap: { max: 2, days: 7 } });
    const email = 'capped@example.pl';
    await s.request(checkoutEvent('c-cap', email, 'tok-cap', T));
    await s.engine.advanceTo(later(T, hours(25)));
    expect(await inbox(s.sesEndpoint!, email, CART)).toHaveLength(2);
    await s.request(
      apiEvent({
        id: 'o-cap',
        type: 'order.placed',
        occurredAt: later(T, hours(25)).toISOString(),
        customer: { email, consent: { emailMarketing: true } },
        order: { id: 'o-cap', checkoutToken: 'tok-other', total: '10.00', currency: 'PLN' },
      }),
    );
    await s.engine.advanceTo(later(T, hours(24 * 20)));
    const decisions = await s.store.listDecisions('default', customerIdFor('default', { email })!);
    expect(decisions.filter((d) => d.journey === 'post-purchase').map((d) => [d.step, d.outcome, d.reason])).toEqual([
      ['how-to-use', 'suppressed', 'frequency_cap'],
      ['care-tips', 'sent', undefined],
    ]);
  });
});

