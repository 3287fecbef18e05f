import type { CartRecord, ConsentState, CustomerProfile, Decision, InvoiceRecord, OrderRecord, SendRecord, SuppressionReason } from './model.ts';
import type { StepInput } from './step-payload.ts';
import { assertUnreachable } from './domain.ts';
import { triggerSubject } from '../../workflows/src/journey.ts';
import { PREFERENCE_CENTRE, UNSUBSCRIBE_LINK } from './consent.ts';
import { isDeliverableEmail, smsReach } from './identity.ts';

/**
 * The step's policy as pure decisions over what the step has read: whether the journey is still
 * wanted, which channel and address, which template, whether a message may go (suppression, then
 * consent; the frequency cap is a slot taken with the send's claim) and what a send intent came to.
 * The use case (functions/app/run-step.ts) reads the facts and carries the decisions out; nothing
 * here does I/O, so every rule is tested directly.
 */

export type Subject = Record<string, unknown> & { categories?: string[] };

/**
 * The item a trigger's journey is about: the cart, the order or the unpaid invoice (one rule, in
 * workflows/src/journey.ts). A welcome, a scheduled run and a catalogue event are about the customer alone.
 */
export const subjectKind = (trigger: StepInput['trigger']): 'cart' | 'order' | 'invoice' | undefined => triggerSubject(trigger);

/** A stored link, if it is http(s): ingest refuses others, and one kept from before never reaches a template. */
function webLink(url: string | undefined): string | undefined {
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

/**
 * What the journey is about (`key`: its cart token, order or invoice id), and whether it is still
 * wanted. A link the platform did not give falls back to the shop's own site, or is `null` (the
 * templates leave it out): never the engine's API, which has nothing to show a customer.
 */
export function subjectOf(
  trigger: StepInput['trigger'],
  key: string,
  item: Record<string, unknown> | undefined,
  shopUrl: string | undefined,
): { wanted: true; data: Subject } | { wanted: false } {
  switch (subjectKind(trigger)) {
    case 'cart': {
      const cart = item as CartRecord | undefined;
      if (!cart || cart.status === 'ordered') return { wanted: false };
      return { wanted: true, data: { cart: { items: cart.items, total: cart.total, currency: cart.currency, recoveryUrl: webLink(cart.recoveryUrl) ?? shopUrl ?? null } } };
    }
    case 'order': {
      const order = item as OrderRecord | undefined;
      if (order?.status === 'cancelled' || order?.status === 'refunded') return { wanted: false };
      const items = order?.items ?? [];
      // Shipping facts are null until a fulfilment reports them, so a template can test for them.
      const shipping = { fulfilledAt: order?.fulfilledAt ?? null, deliveredAt: order?.deliveredAt ?? null, trackingUrl: webLink(order?.trackingUrl) ?? null };
      return {
        wanted: true,
        data: {
          order: { id: key, items, total: order?.total ?? '0', currency: order?.currency ?? 'PLN', ...shipping },
          categories: items.map((i) => i.category).filter((c): c is string => !!c),
        },
      };
    }
    case 'invoice': {
      const invoice = item as InvoiceRecord | undefined;
      if (!invoice || invoice.status === 'paid') return { wanted: false };
      return { wanted: true, data: { invoice: { id: key, amount: invoice.amount, currency: invoice.currency, payUrl: webLink(invoice.hostedUrl) ?? shopUrl ?? null } } };
    }
    case undefined:
      return { wanted: true, data: {} };
  }
}

/**
 * The variables a template sees. `extra` is the unsubscribe and survey links for a message, the
 * customer id for a staff task. `journeys validate` renders every template with this same shape.
 */
export function templateData(firstName: string, shopName: string, subject: Subject, extra: Record<string, unknown>, shopColor?: string): Record<string, unknown> {
  return { firstName, shop: { name: shopName, ...(shopColor && { color: shopColor }) }, ...subject, ...extra };
}

function pickTemplate(input: Pick<StepInput, 'template' | 'templateByCategory'>, categories: readonly string[]): string {
  for (const c of categories) {
    const t = input.templateByCategory?.[c];
    if (t) return t;
  }
  return input.template;
}


/** The channel of a step as the customer receives it: `preferred` is their choice, SMS only with a mobile number. */
export function channelFor(channel: StepInput['channel'], customer: Pick<CustomerProfile, 'preferredChannel' | 'phone'> | undefined): 'email' | 'sms' | 'staff' {
  switch (channel) {
    case 'staff':
    case 'email':
    case 'sms':
      return channel;
    case 'preferred':
      return customer?.preferredChannel === 'sms' && customer.phone && smsReach(customer.phone) === 'mobile' ? 'sms' : 'email';
    default:
      return assertUnreachable(channel);
  }
}

/** What a step does before any send-time check: end, open a task, give up for want of an address, or try to send. */
export type StepPlan =
  | { kind: 'goal_reached' }
  | { kind: 'task'; template: string }
  | { kind: 'no_address'; channel: 'email' | 'sms'; template: string }
  | { kind: 'undeliverable'; channel: 'email' | 'sms'; template: string; reason: 'invalid_address' | 'not_mobile' }
  | { kind: 'send'; channel: 'email' | 'sms'; to: string; template: string };

/**
 * Why an address on file cannot take the channel, if it cannot: platforms hand over whatever the
 * buyer typed, and it is kept, so the decision is made here. SMS goes to mobile numbers only.
 */
export function undeliverable(channel: 'email' | 'sms', to: string): 'invalid_address' | 'not_mobile' | undefined {
  if (channel === 'email') return isDeliverableEmail(to) ? undefined : 'invalid_address';
  const reach = smsReach(to);
  return reach === 'mobile' ? undefined : reach;
}

export function planStep(
  input: Pick<StepInput, 'channel' | 'template' | 'templateByCategory'>,
  enrolmentActive: boolean,
  subject: ReturnType<typeof subjectOf>,
  customer: CustomerProfile | undefined,
): StepPlan {
  if (!enrolmentActive || !subject.wanted) return { kind: 'goal_reached' };
  const template = pickTemplate(input, subject.data.categories ?? []);
  const channel = channelFor(input.channel, customer);
  if (channel === 'staff') return { kind: 'task', template };
  const to = channel === 'email' ? customer?.email : customer?.phone;
  if (!to) return { kind: 'no_address', channel, template };
  const reason = undeliverable(channel, to);
  return reason ? { kind: 'undeliverable', channel, template, reason } : { kind: 'send', channel, to, template };
}

/** The facts a send is checked against before it is claimed; the frequency cap is taken with the claim. */
export interface SendFacts {
  topic: 'marketing' | 'service';
  suppressed: boolean;
  consent: ConsentState | undefined;
}

export type SendVerdict = { kind: 'send' } | { kind: 'refuse'; reason: SuppressionReason };

/**
 * Suppression first (a bounced, complained or erased address gets nothing, service included),
 * then, for marketing only, consent. The frequency cap comes last, as a slot taken with the send's
 * claim (functions/core/frequency-cap.ts), never as a count read beforehand.
 */
export function sendVerdict(f: SendFacts): SendVerdict {
  if (f.suppressed) return { kind: 'refuse', reason: 'suppressed_address' };
  if (f.topic === 'service') return { kind: 'send' };
  if (!f.consent?.granted) return { kind: 'refuse', reason: f.consent?.source === UNSUBSCRIBE_LINK || f.consent?.source === PREFERENCE_CENTRE ? 'unsubscribed' : 'no_consent' };
  return { kind: 'send' };
}

/**
 * The decision a send intent stands for. Without an outcome the step stopped between the provider
 * call and writing what it came to: the message may have gone, so it is `delivery_uncertain` (and
 * keeps its frequency slot), never sent a second time.
 */
export function sendDecision(r: SendRecord): Pick<Decision, 'channel' | 'template' | 'locale' | 'outcome' | 'reason' | 'subject' | 'messageId' | 'segments' | 'encoding'> {
  const base = { channel: r.channel, template: r.template, locale: r.locale };
  if (r.status === 'done' && r.outcome === 'sent') return { ...base, outcome: 'sent', subject: r.subject, messageId: r.messageId, segments: r.segments, encoding: r.encoding };
  if (r.status === 'done' && r.outcome === 'refused' && r.reason) return { ...base, outcome: 'suppressed', reason: r.reason };
  return { ...base, outcome: 'suppressed', reason: 'delivery_uncertain' };
}
