import { z } from 'zod';
import { Checkout, Contact, type DomainEvent, Id, Order, Payment } from '../core/domain.ts';

/** The platform-neutral event API (`POST /v1/events`). Unknown fields are dropped, not stored. */
const Common = {
  id: z.string().min(1).max(128).describe('the sender’s event id; a repeated id is a duplicate'),
  occurredAt: z.iso.datetime({ offset: true }),
  customer: Contact,
};

const CheckoutEvent = z.object({ ...Common, type: z.enum(['cart.updated', 'checkout.abandoned']), checkout: Checkout });
const OrderPlaced = z.object({ ...Common, type: z.literal('order.placed'), order: Order });
const OrderChanged = z.object({ ...Common, type: z.enum(['order.delivered', 'order.cancelled', 'order.refunded']), order: z.object({ id: Id(128) }) });
const PaymentEvent = z.object({ ...Common, type: z.enum(['payment.failed', 'payment.succeeded']), payment: Payment });
const CustomerUpdated = z.object({ ...Common, type: z.literal('customer.updated') });
/** The customer's own statement of consent: `true` an opt-in, `false` a withdrawal. Elsewhere `consent` is an echo. */
const CustomerConsent = z.object({
  ...Common,
  type: z.literal('customer.consent'),
  customer: Contact.refine((c) => c.consent?.emailMarketing !== undefined || c.consent?.smsMarketing !== undefined, {
    message: 'a consent event states consent.emailMarketing or consent.smsMarketing',
    path: ['consent'],
  }),
});

export const ApiEvent = z.discriminatedUnion('type', [CheckoutEvent, OrderPlaced, OrderChanged, PaymentEvent, CustomerUpdated, CustomerConsent]);
export type ApiEvent = z.infer<typeof ApiEvent>;

export const API_EVENT_TYPES = [
  'cart.updated',
  'checkout.abandoned',
  'order.placed',
  'order.delivered',
  'order.cancelled',
  'order.refunded',
  'payment.failed',
  'payment.succeeded',
  'customer.updated',
  'customer.consent',
] as const;

export function mapApiEvent(e: ApiEvent): DomainEvent {
  const base = { key: `api:${e.id}`, occurredAt: new Date(e.occurredAt).toISOString(), source: 'api' as const, customer: e.customer };
  switch (e.type) {
    case 'cart.updated':
    case 'checkout.abandoned':
      return { ...base, type: 'checkout.updated', checkout: e.checkout };
    case 'order.placed':
      return { ...base, type: 'order.placed', order: e.order };
    case 'order.delivered':
    case 'order.cancelled':
    case 'order.refunded':
      return { ...base, type: e.type, order: e.order };
    case 'payment.failed':
    case 'payment.succeeded':
      return { ...base, type: e.type, payment: e.payment };
    case 'customer.updated':
    case 'customer.consent':
      return { ...base, type: e.type };
  }
}
