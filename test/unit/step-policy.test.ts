import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseStepPayload } from '../../functions/core/step-payload.ts';
import { channelFor, planStep, sendDecision, sendVerdict, subjectOf } from '../../functions/core/step-policy.ts';
import { loadJourneys } from '../../workflows/src/load.ts';

const consentArb = fc.option(fc.record({ granted: fc.boolean(), at: fc.constant('2026-01-01T00:00:00Z'), source: fc.constantFrom('api', 'unsubscribe-link', 'shopify:checkouts/create') }), { nil: undefined });
const factsArb = fc.record({
  topic: fc.constantFrom('marketing' as const, 'service' as const),
  suppressed: fc.boolean(),
  consent: consentArb,
});

describe('send verdict', () => {
  it('never sends to a suppressed address, never marketing without granted consent', () => {
    fc.assert(
      fc.property(factsArb, (f) => {
        const v = sendVerdict(f);
        if (f.suppressed) expect(v).toEqual({ kind: 'refuse', reason: 'suppressed_address' });
        if (v.kind === 'send' && f.topic === 'marketing') expect(f.consent?.granted).toBe(true);
        if (f.topic === 'service' && !f.suppressed) expect(v).toEqual({ kind: 'send' });
      }),
    );
  });

  it('says unsubscribed when the withdrawal came from the link, no_consent otherwise', () => {
    const base = { topic: 'marketing' as const, suppressed: false };
    expect(sendVerdict({ ...base, consent: { granted: false, at: '', source: 'unsubscribe-link' } })).toEqual({ kind: 'refuse', reason: 'unsubscribed' });
    expect(sendVerdict({ ...base, consent: undefined })).toEqual({ kind: 'refuse', reason: 'no_consent' });
  });
});

describe('send decision', () => {
  const intent = { journey: 'dunning', executionName: 'e', step: 'sms', channel: 'sms' as const, topic: 'service' as const, template: 't', locale: 'pl', subject: 'S', segments: 2, encoding: 'UCS-2' as const, at: '2026-01-01T00:00:00Z' };

  it('an intent without an outcome is delivery_uncertain: it may have gone, it is not sent again', () => {
    expect(sendDecision({ ...intent, status: 'claimed' })).toEqual({ channel: 'sms', template: 't', locale: 'pl', outcome: 'suppressed', reason: 'delivery_uncertain' });
    expect(sendDecision({ ...intent, status: 'done', outcome: 'uncertain' })).toMatchObject({ outcome: 'suppressed', reason: 'delivery_uncertain' });
  });

  it('a sent intent is the message, with its id and billed parts; a refused one its reason', () => {
    expect(sendDecision({ ...intent, status: 'done', outcome: 'sent', messageId: 'm1' })).toEqual({
      channel: 'sms',
      template: 't',
      locale: 'pl',
      outcome: 'sent',
      subject: 'S',
      messageId: 'm1',
      segments: 2,
      encoding: 'UCS-2',
    });
    expect(sendDecision({ ...intent, status: 'done', outcome: 'refused', reason: 'sms_daily_cap' })).toMatchObject({ outcome: 'suppressed', reason: 'sms_daily_cap' });
  });
});

describe('step plan', () => {
  const cart = { token: 't', items: [], total: '1.00', currency: 'PLN', status: 'open', updatedAt: '' };
  const wanted = subjectOf('checkout', 't', cart, undefined);

  it('ends the journey when the enrolment ended or the subject is no longer wanted', () => {
    const input = { channel: 'email' as const, template: 'x' };
    expect(planStep(input, false, wanted, { customerId: 'c', email: 'a@b.pl', updatedAt: '' })).toEqual({ kind: 'goal_reached' });
    expect(planStep(input, true, subjectOf('checkout', 't', { ...cart, status: 'ordered' }, undefined), undefined)).toEqual({ kind: 'goal_reached' });
  });

  it('sends by the preferred channel only when there is a number to send to', () => {
    expect(channelFor('preferred', { preferredChannel: 'sms', phone: '+48600100200' })).toBe('sms');
    expect(channelFor('preferred', { preferredChannel: 'sms' })).toBe('email');
    expect(planStep({ channel: 'sms', template: 'x' }, true, wanted, { customerId: 'c', email: 'a@b.pl', updatedAt: '' })).toEqual({ kind: 'no_address', channel: 'sms', template: 'x' });
  });

  it('picks the template of the order’s first category that has one', () => {
    const order = { id: 'o', total: '1', currency: 'PLN', placedAt: '', items: [{ title: 'a', quantity: 1, price: '1', category: 'kawa' }] };
    const plan = planStep({ channel: 'email', template: 'general', templateByCategory: { kawa: 'coffee' } }, true, subjectOf('order.placed', 'o', order, undefined), { customerId: 'c', email: 'a@b.pl', updatedAt: '' });
    expect(plan).toMatchObject({ kind: 'send', template: 'coffee', to: 'a@b.pl' });
  });
});

describe('step payload versions', () => {
  const journeys = loadJourneys();
  const v1 = { version: 1, journey: 'dunning', step: 'email', channel: 'email', template: 'dunning-email', topic: 'service', last: false, executionName: 'e', enrolment: { version: 1, tenant: 'default', customerId: 'c', journey: 'dunning', key: 'in_1' } };

  it('reads a v1 payload without trigger by its journey’s file, not by a default', () => {
    expect(parseStepPayload(v1, journeys)).toMatchObject({ version: 2, trigger: 'payment.failed' });
    expect(parseStepPayload({ ...v1, journey: 'post-purchase' }, journeys).trigger).toBe('order.placed');
  });

  it('refuses a v1 payload of an unknown journey, a v2 payload without trigger and an unknown version', () => {
    expect(() => parseStepPayload({ ...v1, journey: 'gone' }, journeys)).toThrow(/no journey file/);
    expect(() => parseStepPayload({ ...v1, version: 2 }, journeys)).toThrow(/trigger/);
    expect(() => parseStepPayload({ ...v1, version: 99 }, journeys)).toThrow(/version/);
  });
});
