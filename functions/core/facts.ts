import { DEFAULT_TIME_ZONE, localParts } from '../../workflows/src/quiet-hours.ts';
import { isDeliverableEmail, smsReach } from './identity.ts';
import type { ConsentState, CustomerProfile } from './model.ts';
import type { Subject } from './step-policy.ts';

/**
 * The facts a journey graph's conditions read (workflows/src/conditions.ts names them), from what
 * the step has already read: the profile, the journey's subject, consent, and the trigger's
 * declared properties. Pure.
 */
export function conditionFacts(o: {
  customer: CustomerProfile | undefined;
  subject: Subject;
  consent: Partial<Record<'email' | 'sms', ConsentState>>;
  properties?: Readonly<Record<string, unknown>>;
  now: Date;
}): Record<string, unknown> {
  const facts: Record<string, unknown> = {};
  const items = (list: unknown) => (Array.isArray(list) ? (list as { quantity?: number; category?: string }[]) : []);
  const count = (list: unknown) => items(list).reduce((n, i) => n + (i.quantity ?? 0), 0);
  const categories = (list: unknown) => [...new Set(items(list).flatMap((i) => (i.category ? [i.category] : [])))];
  const cart = o.subject['cart'] as { items?: unknown; total?: string; currency?: string } | undefined;
  if (cart) Object.assign(facts, { 'cart.total': zloty(cart.total, cart.currency), 'cart.itemCount': count(cart.items), 'cart.categories': categories(cart.items) });
  const order = o.subject['order'] as { items?: unknown; total?: string; currency?: string } | undefined;
  if (order) Object.assign(facts, { 'order.total': zloty(order.total, order.currency), 'order.itemCount': count(order.items), 'order.categories': categories(order.items) });
  const invoice = o.subject['invoice'] as { amount?: string; currency?: string } | undefined;
  if (invoice) facts['invoice.amount'] = zloty(invoice.amount, invoice.currency);
  const c = o.customer;
  facts['profile.ordersCount'] = c?.orderCount ?? 0;
  facts['profile.lifetimeSpend'] = c?.spentPln ?? 0;
  if (c?.lastOrderAt) facts['profile.daysSinceLastOrder'] = daysSinceLastOrder(c.lastOrderAt, localParts(o.now, DEFAULT_TIME_ZONE).ymd);
  if (c?.lastScore !== undefined) facts['profile.lastScore'] = c.lastScore;
  facts['profile.tags'] = c?.tags ?? [];
  if (c?.locale) facts['profile.locale'] = c.locale;
  for (const [k, v] of Object.entries(c?.attributes ?? {})) facts[`profile.attributes.${k}`] = v;
  facts['consent.email'] = o.consent.email?.granted === true;
  facts['consent.sms'] = o.consent.sms?.granted === true;
  facts['channel.email'] = !!c?.email && isDeliverableEmail(c.email);
  facts['channel.sms'] = !!c?.phone && smsReach(c.phone) === 'mobile';
  for (const [k, v] of Object.entries(o.properties ?? {})) facts[`event.${k}`] = v;
  return facts;
}

/**
 * Money as conditions compare it: złoty, like lifetime spend. An amount in another currency has no
 * value here, so `cart.total gte 500` never passes 500 forints or fails 200 euros by accident.
 */
function zloty(amount: string | undefined, currency: string | undefined): number | undefined {
  return currency === undefined || currency === 'PLN' ? Number(amount) : undefined;
}

/**
 * Days since the last order, the one count segments, filters and branches share: from the last
 * order's UTC date (the day the last-order index files it under) to `today`, a calendar date
 * (today in Europe/Warsaw for a filter or a branch; a scheduled run's own day for a segment, so
 * `is: 30` selects the customers a branch on the same day counts 30 for).
 */
export function daysSinceLastOrder(lastOrderAt: string, today: string): number {
  const last = new Date(lastOrderAt).toISOString().slice(0, 10);
  return Math.round((Date.parse(`${today}T00:00:00Z`) - Date.parse(`${last}T00:00:00Z`)) / 86_400_000);
}
