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
  const cart = o.subject['cart'] as { items?: unknown; total?: string } | undefined;
  if (cart) Object.assign(facts, { 'cart.total': Number(cart.total), 'cart.itemCount': count(cart.items), 'cart.categories': categories(cart.items) });
  const order = o.subject['order'] as { items?: unknown; total?: string } | undefined;
  if (order) Object.assign(facts, { 'order.total': Number(order.total), 'order.itemCount': count(order.items), 'order.categories': categories(order.items) });
  const invoice = o.subject['invoice'] as { amount?: string } | undefined;
  if (invoice) facts['invoice.amount'] = Number(invoice.amount);
  const c = o.customer;
  facts['profile.ordersCount'] = c?.orderCount ?? 0;
  facts['profile.lifetimeSpend'] = c?.spentPln ?? 0;
  if (c?.lastOrderAt) facts['profile.daysSinceLastOrder'] = Math.floor((o.now.getTime() - Date.parse(c.lastOrderAt)) / 86_400_000);
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
