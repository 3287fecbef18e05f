import { z } from 'zod';
import { BUILT_IN_EVENTS, type Catalogue, type CatalogueEntry, customEvent } from '../../workflows/src/catalogue.ts';
import type { EventName } from '../../workflows/src/journey.ts';
import { didYouMean } from '../../workflows/src/suggest.ts';
import { Checkout, Contact, type DomainEvent, Id, Order, Payment, Shipment } from '../core/domain.ts';
import { attributesSchema, propertiesSchema, splitPersonal } from '../core/properties.ts';

/** The platform-neutral event API (`POST /v1/events`). Unknown fields are dropped, not stored. */
const Common = {
  id: z.string().min(1).max(128).describe('the sender’s event id; a repeated id is a duplicate'),
  occurredAt: z.iso.datetime({ offset: true }),
  customer: Contact,
};

const CheckoutEvent = z.object({ ...Common, type: z.enum(['cart.updated', 'checkout.abandoned']), checkout: Checkout });
const OrderPlaced = z.object({ ...Common, type: z.literal('order.placed'), order: Order });
const OrderShipped = z.object({ ...Common, type: z.enum(['order.fulfilled', 'order.delivered']), order: Shipment });
const OrderClosed = z.object({ ...Common, type: z.enum(['order.cancelled', 'order.refunded']), order: z.object({ id: Id(128) }) });
const PaymentEvent = z.object({ ...Common, type: z.enum(['payment.failed', 'payment.succeeded']), payment: Payment });
const CustomerChanged = z.object({ ...Common, type: z.enum(['customer.created', 'customer.updated']) });
/** The customer's own statement of consent: `true` an opt-in, `false` a withdrawal. Elsewhere `consent` is an echo. */
const CustomerConsent = z.object({
  ...Common,
  type: z.literal('customer.consent'),
  customer: Contact.refine((c) => c.consent?.emailMarketing !== undefined || c.consent?.smsMarketing !== undefined, {
    message: 'a consent event states consent.emailMarketing or consent.smsMarketing',
    path: ['consent'],
  }),
});

export const ApiEvent = z.discriminatedUnion('type', [CheckoutEvent, OrderPlaced, OrderShipped, OrderClosed, PaymentEvent, CustomerChanged, CustomerConsent]);
export type ApiEvent = z.infer<typeof ApiEvent>;

export const API_EVENT_TYPES = BUILT_IN_EVENTS.map((e) => e.name);

export function mapApiEvent(e: ApiEvent): DomainEvent {
  const base = { key: `api:${e.id}`, occurredAt: new Date(e.occurredAt).toISOString(), source: 'api' as const, customer: e.customer };
  switch (e.type) {
    case 'cart.updated':
    case 'checkout.abandoned':
      return { ...base, type: 'checkout.updated', checkout: e.checkout };
    case 'order.placed':
      return { ...base, type: 'order.placed', order: e.order };
    case 'order.fulfilled':
    case 'order.delivered':
      return { ...base, type: e.type, order: e.order };
    case 'order.cancelled':
    case 'order.refunded':
      return { ...base, type: e.type, order: e.order };
    case 'payment.failed':
    case 'payment.succeeded':
      return { ...base, type: e.type, payment: e.payment };
    case 'customer.created':
    case 'customer.updated':
    case 'customer.consent':
      return { ...base, type: e.type };
  }
}

/** An event of the shop's catalogue: `key` is what it is about, stable across retries (the duplicate check and the journeys' enrolment key). */
function catalogueSchema(entry: CatalogueEntry) {
  return z.object({
    type: z.literal(entry.name),
    key: Id(128),
    occurredAt: Common.occurredAt,
    customer: Contact,
    properties: propertiesSchema(entry.properties).default({}),
  });
}

const schemas = new WeakMap<CatalogueEntry, ReturnType<typeof catalogueSchema>>();

export type ParsedEvent = { ok: true; event: DomainEvent } | { ok: false; error: string; details: { path: string; message: string }[] };

const issues = (error: z.ZodError, prefix: (string | number)[] = []) =>
  error.issues.slice(0, 20).map((i) => ({ path: [...prefix, ...i.path].join('.') || '(body)', message: i.message }));

/**
 * A request body as a domain event, checked against the catalogue: a built-in type by its schema
 * (custom attributes of the customer by attributes.yaml), a shop's event by its declared
 * properties, any other type refused with the name it was likely meant to be.
 */
export function parseApiEvent(body: unknown, catalogue: Catalogue): ParsedEvent {
  const type = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['type'] : undefined;
  const entry = typeof type === 'string' ? customEvent(catalogue, type) : undefined;
  if (entry) {
    const schema = schemas.get(entry) ?? catalogueSchema(entry);
    schemas.set(entry, schema);
    const parsed = schema.safeParse(body);
    if (!parsed.success) return { ok: false, error: 'event does not match the schema', details: issues(parsed.error) };
    const e = parsed.data;
    return {
      ok: true,
      event: {
        type: 'custom',
        name: entry.name as EventName,
        key: `api:${entry.name}:${e.key}`,
        subjectKey: e.key,
        occurredAt: new Date(e.occurredAt).toISOString(),
        source: 'api',
        customer: e.customer,
        ...splitPersonal(e.properties, entry.properties),
      },
    };
  }
  if (typeof type !== 'string' || !API_EVENT_TYPES.includes(type)) {
    const names = catalogue.events.map((e) => e.name);
    const message = typeof type === 'string' ? `"${type}" is not an event of the catalogue${didYouMean(type, names)}` : 'required: the event’s name';
    return { ok: false, error: 'unknown event type', details: [{ path: 'type', message: `${message}; the events are ${names.join(', ')}` }] };
  }
  const parsed = ApiEvent.safeParse(body);
  if (!parsed.success) return { ok: false, error: 'event does not match the schema', details: issues(parsed.error) };
  const event = mapApiEvent(parsed.data);
  if (event.type !== 'customer.created' && event.type !== 'customer.updated') return { ok: true, event };
  const given = (body as { customer?: { attributes?: unknown } }).customer?.attributes;
  if (given === undefined) return { ok: true, event };
  const attributes = attributesSchema(catalogue.attributes).safeParse(given);
  if (!attributes.success) return { ok: false, error: 'event does not match the schema', details: issues(attributes.error, ['customer', 'attributes']) };
  const set = Object.fromEntries(Object.entries(attributes.data).filter(([, v]) => v !== undefined)) as Record<string, string | number | boolean | null>;
  return { ok: true, event: { ...event, customer: { ...event.customer, attributes: set } } };
}
