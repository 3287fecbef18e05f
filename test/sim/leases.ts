import { apply } from '../../functions/app/ingest-event.ts';
import { onEngineClock } from '../../functions/core/engine-time.ts';
import type { JourneyRunner } from '../../functions/app/ports.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import { loadJourneys } from '../../workflows/src/load.ts';
import type { Violation } from './invariants.ts';
import type { Harness } from './run.ts';
import { cartToken, customerOf, domainEvent, invoiceId, orderId } from './workload.ts';

/** Every (journey, key) a customer of the workload can be enrolled under. */
export function journeyKeys(shop: number, customer: number): { journey: string; key: string }[] {
  const out: { journey: string; key: string }[] = [];
  for (const ref of [0, 1]) {
    out.push({ journey: 'abandoned-cart', key: cartToken(shop, customer, ref) });
    out.push({ journey: 'post-purchase', key: orderId(shop, customer, ref) });
    out.push({ journey: 'order-follow-up', key: orderId(shop, customer, ref) });
    out.push({ journey: 'dunning', key: invoiceId(shop, customer, ref) });
  }
  return out;
}

/** Times and expiry move on every write; what an event means for a customer does not. */
function meaning(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(meaning);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !['updatedAt', 'expiresAt', 'pk', 'sk', 'gsi1pk', 'gsi1sk', 'endedAt'].includes(k))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, meaning(v)]),
  );
}

/** What the events of one customer have made of the store: profile, consent, carts, orders, invoices, enrolments. */
async function customerState(h: Harness, shop: number, customer: number): Promise<string> {
  const { tenant, customerId } = customerOf(shop, customer);
  const s = h.store;
  const state: Record<string, unknown> = {
    profile: await s.getCustomer(tenant, customerId),
    email: await s.getConsent(tenant, customerId, 'email', 'marketing'),
    sms: await s.getConsent(tenant, customerId, 'sms', 'marketing'),
  };
  for (const ref of [0, 1]) {
    state[`cart${ref}`] = await s.getCart(tenant, cartToken(shop, customer, ref));
    state[`order${ref}`] = await s.getOrder(tenant, customerId, orderId(shop, customer, ref));
    state[`invoice${ref}`] = await s.getInvoice(tenant, invoiceId(shop, customer, ref));
  }
  for (const { journey, key } of journeyKeys(shop, customer)) state[`${journey}:${key}`] = (await s.getEnrolment(tenant, customerId, journey, key))?.status;
  return JSON.stringify(meaning(state));
}

/**
 * No event is left half-applied once its lease has passed. For every event whose delivery met a
 * fault and that the platform was finally told was received, the store at the end must already
 * hold all of it: applying the event once more, as the fault-free delivery would have (at the time
 * of its first attempt), changes nothing and starts no journey. Customers who were erased are left out (an erasure removes what
 * the event wrote, on purpose). Runs last: it writes.
 */
export async function eventLeases(h: Harness): Promise<Violation[]> {
  const out: Violation[] = [];
  const journeys = loadJourneys();
  const erased = new Set(h.deliveries.filter((d) => d.kind === 'erase').map((d) => `${d.tenant}/${d.customerId}`));
  for (const d of h.deliveries) {
    if (d.kind !== 'event' || !d.faulted || !d.ackedAt || !d.body || erased.has(`${d.tenant}/${d.customerId}`)) continue;
    const started: string[] = [];
    const runner: JourneyRunner = {
      start: async (journey, name) => {
        const exists = await h.stack.engine.describe(journey, name);
        if (!exists) started.push(`${journey} ${name}`);
        return exists ? 'exists' : 'started';
      },
      stop: async () => undefined,
    };
    const before = await customerState(h, d.shop, d.customer);
    // As the delivery would have been applied had nothing failed: on the clock of its first claim
    // (an attempt that failed before claiming it applied nothing), or of its first attempt.
    const event = domainEvent(d.body);
    const at = new Date(h.injector.firstClaims.get(`${d.tenant}#${event.key}`) ?? d.attempts[0]!.at);
    await apply(onEngineClock(event, at), { config: { tenant: d.tenant }, store: h.store, journeys, runner, clock: { now: () => at }, log: silentLog });
    const after = await customerState(h, d.shop, d.customer);
    if (before !== after || started.length > 0) {
      out.push({
        invariant: 'event-lease',
        detail: `event #${d.seq} ${d.body['type']} (attempts ${d.attempts.map((a) => `${a.at}→${a.status}`).join(', ')}) was not wholly applied: ${started.length ? `journeys never started: ${started.join(', ')}; ` : ''}${diff(before, after)}`,
      });
    }
  }
  return out;
}

function diff(before: string, after: string): string {
  if (before === after) return 'state unchanged';
  const a = JSON.parse(before) as Record<string, unknown>;
  const b = JSON.parse(after) as Record<string, unknown>;
  return Object.keys({ ...a, ...b })
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k}: ${JSON.stringify(a[k]) ?? 'absent'} → ${JSON.stringify(b[k])}`)
    .join('; ');
}
