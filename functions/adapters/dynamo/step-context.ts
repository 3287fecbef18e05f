import type { StepContext, StepContextReader } from '../../app/ports.ts';
import type { ConsentState, CustomerProfile, Enrolment } from '../../core/model.ts';
import type { Table } from './base.ts';
import { type ItemKey, items } from './keys.ts';

/** The step's context in one consistent BatchGetItem. */
export class DynamoStepContext implements StepContextReader {
  constructor(private readonly t: Table) {}

  /**
   * What a journey step decides on, read at once: the enrolment, the profile, marketing consent
   * on both channels, the step's subject (the cart, order or invoice it is about) and the
   * customer's erasure marker. A cart or invoice held by another customer is no subject of theirs.
   */
  async stepContext(tenant: string, customerId: string, journey: string, enrolKey: string, subject: 'cart' | 'order' | 'invoice' | undefined): Promise<StepContext> {
    const wanted = {
      enrolment: items.enrolment(tenant, customerId, journey, enrolKey),
      customer: items.profile(tenant, customerId),
      email: items.consent(tenant, customerId, 'email', 'marketing'),
      sms: items.consent(tenant, customerId, 'sms', 'marketing'),
      erased: items.erasure(tenant, 'customer', customerId),
      ...(subject === 'cart' ? { subject: items.cart(tenant, enrolKey) } : {}),
      ...(subject === 'order' ? { subject: items.order(tenant, customerId, enrolKey) } : {}),
      ...(subject === 'invoice' ? { subject: items.invoice(tenant, enrolKey) } : {}),
    };
    const found = await this.t.getMany(Object.values(wanted));
    const pick = <T>(k: ItemKey | undefined) => (k ? (found.get(`${k.pk}\u0000${k.sk}`) as T | undefined) : undefined);
    const about = pick<Record<string, unknown>>('subject' in wanted ? wanted.subject : undefined);
    const owned = subject === 'order' || about?.['customerId'] === customerId;
    return {
      enrolment: pick<Enrolment>(wanted.enrolment),
      customer: pick<CustomerProfile>(wanted.customer),
      consent: { email: pick<ConsentState>(wanted.email), sms: pick<ConsentState>(wanted.sms) },
      subject: owned ? about : undefined,
      erasedAt: pick<{ at: string }>(wanted.erased)?.at,
    };
  }
}
