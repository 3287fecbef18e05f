import type { StepContextReader } from '../../app/ports.ts';
import type { ConsentChannel, ConsentState, CustomerProfile, Enrolment } from '../../core/model.ts';
import type { Table } from './base.ts';
import { type ItemKey, items } from './keys.ts';

/** The step's context in one consistent BatchGetItem. */
export class DynamoStepContext implements StepContextReader {
  constructor(private readonly t: Table) {}

  /**
   * What a journey step decides on, read at once: the enrolment, the profile, marketing consent
   * on both channels and the step's subject (the cart, order or invoice it is about).
   */
  async stepContext(
    tenant: string,
    customerId: string,
    journey: string,
    enrolKey: string,
    subject: 'cart' | 'order' | 'invoice' | undefined,
  ): Promise<{ enrolment?: Enrolment; customer?: CustomerProfile; consent: Record<ConsentChannel, ConsentState | undefined>; subject?: Record<string, unknown> }> {
    const wanted = {
      enrolment: items.enrolment(tenant, customerId, journey, enrolKey),
      customer: items.profile(tenant, customerId),
      email: items.consent(tenant, customerId, 'email', 'marketing'),
      sms: items.consent(tenant, customerId, 'sms', 'marketing'),
      ...(subject === 'cart' ? { subject: items.cart(tenant, enrolKey) } : {}),
      ...(subject === 'order' ? { subject: items.order(tenant, customerId, enrolKey) } : {}),
      ...(subject === 'invoice' ? { subject: items.invoice(tenant, enrolKey) } : {}),
    };
    const found = await this.t.getMany(Object.values(wanted));
    const pick = <T>(k: ItemKey | undefined) => (k ? (found.get(`${k.pk}\u0000${k.sk}`) as T | undefined) : undefined);
    return {
      enrolment: pick<Enrolment>(wanted.enrolment),
      customer: pick<CustomerProfile>(wanted.customer),
      consent: { email: pick<ConsentState>(wanted.email), sms: pick<ConsentState>(wanted.sms) },
      subject: pick<Record<string, unknown>>('subject' in wanted ? wanted.subject : undefined),
    };
  }
}
