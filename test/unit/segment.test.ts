import { describe, expect, it } from 'vitest';
import { matchesSegment, nextDailyRun } from '../../functions/app/select-segment.ts';
import { JourneyConfig } from '../../workflows/src/journey.ts';

const vip = JourneyConfig.parse({
  id: 'vip-winback',
  name: 'VIP',
  trigger: 'schedule',
  schedule: { dailyAt: '09:00' },
  segment: { noPurchaseForDays: 90, minOrders: 2, minSpentPln: 1000 },
  topic: 'marketing',
  steps: [{ id: 'a', after: 'PT0S', channel: 'email', template: 'winback-offer' }],
});

describe('RFM segment rules', () => {
  it('keeps VIPs (spent at least 1000 zł over at least two orders) and drops the rest', () => {
    const c = (orderCount: number, spentPln: number) => ({ customerId: 'c', updatedAt: '', orderCount, spentPln });
    expect([c(2, 1000), c(5, 4200), c(1, 5000), c(3, 999.99)].map((x) => matchesSegment(vip, x))).toEqual([true, true, false, false]);
  });
});

describe('daily schedule in Europe/Warsaw', () => {
  it('runs at 09:00 local time on both sides of the DST changes', () => {
    expect(nextDailyRun(new Date('2026-03-28T12:00:00Z'), '09:00', 'Europe/Warsaw').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    expect(nextDailyRun(new Date('2026-03-27T12:00:00Z'), '09:00', 'Europe/Warsaw').toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(nextDailyRun(new Date('2026-10-24T12:00:00Z'), '09:00', 'Europe/Warsaw').toISOString()).toBe('2026-10-25T08:00:00.000Z');
    expect(nextDailyRun(new Date('2026-10-25T08:00:00Z'), '09:00', 'Europe/Warsaw').toISOString()).toBe('2026-10-25T08:00:00.000Z');
  });
});
