import { executionName } from '../../functions/shared/ids.ts';
import type { RecordedSend } from './faults.ts';
import type { Delivery, Harness } from './run.ts';
import { FREQUENCY_CAP } from './run.ts';
import { CUSTOMERS, contact, customerOf, domainEvent, SHOPS } from './workload.ts';
import { eventLeases, journeyKeys } from './leases.ts';

/**
 * The promises a run is held to, each with a name (the test's list of pending invariants names
 * them). Sends are judged against what the platforms had been told by the time of sending (the
 * harness's own record of deliveries and answers), never against what the engine stored.
 */
export const INVARIANTS = [
  'consent', // no marketing send without granted consent on its channel at the time of sending
  'unsubscribe', // no marketing send on a channel after an unsubscribe link, SMS STOP or complaint on it, until the customer's own later opt-in
  'suppression', // nothing to an address after its permanent bounce, complaint or STOP
  'erasure-stops', // nothing from a journey that started before its customer's erasure
  'goal', // nothing after the journey's goal (order placed, invoice paid, order cancelled or refunded)
  'once-per-step', // at most one message per execution × step
  'frequency-cap', // at most FREQUENCY_CAP.max marketing messages per customer in any FREQUENCY_CAP.days
  'send-has-decision', // every message sent has its decision in the log
  'event-lease', // an event answered 2xx after a fault is wholly applied: applying it again changes nothing
  'erasure-complete', // an erased customer leaves no personal data
  'journeys-settle', // every journey has finished or waits for a future time; no active enrolment without one
  'good-input-accepted', // valid platform input is never refused with a 4xx
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export interface Violation {
  invariant: Invariant;
  detail: string;
}

const before = (d: Delivery, t: string) => d.ackedAt !== undefined && d.ackedAt < t;
const sameCustomer = (d: Delivery, tenant: string, customerId: string) => d.tenant === tenant && d.customerId === customerId;

/** FUTURE_TOLERANCE_MS of functions/core/engine-time.ts: an event stamped further ahead is taken as of its arrival. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;
function engineTime(h: Harness, d: Delivery): string {
  const occurredAt = Date.parse(String(d.body?.['occurredAt']));
  // A duplicate is the same event: it is clamped against the clock of the event's first claim, or
  // of the first attempt of any delivery of it, not against its own arrival.
  const claimed = h.injector.firstClaims.get(`${d.tenant}#${domainEvent(d.body!).key}`);
  const firsts = h.deliveries.filter((o) => o.tenant === d.tenant && o.body?.['id'] === d.body?.['id'] && o.attempts[0]).map((o) => o.attempts[0]!.at);
  const arrived = Date.parse(claimed ?? firsts.sort()[0] ?? d.attempts[0]!.at);
  return new Date(occurredAt > arrived + FUTURE_TOLERANCE_MS ? arrived : occurredAt).toISOString();
}

/** The customer's marketing consent on `channel` at `t`, as the platforms and the customer stated it. */
function consentAt(h: Harness, tenant: string, customerId: string, channel: 'email' | 'sms', t: string): boolean {
  const field = channel === 'email' ? 'emailMarketing' : 'smsMarketing';
  let latest: { at: string; granted: boolean } | undefined;
  const consider = (at: string, granted: boolean) => {
    if (!latest || at > latest.at || (at === latest.at && !granted)) latest = { at, granted };
  };
  for (const d of h.deliveries) {
    if (!sameCustomer(d, tenant, customerId)) continue;
    const first = d.attempts[0]?.at;
    if (d.kind === 'event' && first !== undefined) {
      const stated = (d.body?.['customer'] as { consent?: Record<string, boolean> } | undefined)?.consent?.[field];
      if (stated === undefined) continue;
      // A grant counts from its first delivery (the engine may have acted on it); a withdrawal
      // from the answer (the platform knows it arrived). A statement dated over 5 minutes ahead
      // counts as of its arrival.
      const seen = stated ? first < t : before(d, t);
      if (seen) consider(engineTime(h, d), stated);
    } else if (d.channel === channel && (d.kind === 'unsubscribe' || d.kind === 'sms-stop' || d.kind === 'complaint') && before(d, t)) {
      consider(d.ackedAt!, false);
    }
  }
  return latest?.granted === true;
}

/** Checks the sends made since the last check against what was known when each was made. */
export async function checkSends(h: Harness, sends: RecordedSend[]): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const s of sends) {
    const step = s.step;
    if (!step) {
      out.push({ invariant: 'send-has-decision', detail: `a ${s.channel} message sent outside any journey step at ${s.at}` });
      continue;
    }
    const { tenant, customerId, key } = step.enrolment;
    const where = `${s.at} ${step.journey}/${step.step} ${step.executionName} (${tenant} ${customerId})`;
    if (s.marketing) {
      if (!consentAt(h, tenant, customerId, s.channel, s.at)) out.push({ invariant: 'consent', detail: `marketing ${s.channel} without consent: ${where}` });
      // Only the customer's own opt-in (a customer.updated that subscribes), later on the engine's clock, lifts it.
      const optedIn = (after: string) =>
        h.deliveries.some(
          (d) =>
            sameCustomer(d, tenant, customerId) &&
            d.body?.['type'] === 'customer.updated' &&
            (d.body?.['customer'] as { consent?: Record<string, boolean> } | undefined)?.consent?.[s.channel === 'email' ? 'emailMarketing' : 'smsMarketing'] === true &&
            d.attempts[0]!.at < s.at &&
            engineTime(h, d) > after,
        );
      const withdrawn = h.deliveries.find(
        (d) => sameCustomer(d, tenant, customerId) && d.channel === s.channel && ['unsubscribe', 'sms-stop', 'complaint'].includes(d.kind) && before(d, s.at) && !optedIn(d.ackedAt!),
      );
      if (withdrawn) out.push({ invariant: 'unsubscribe', detail: `marketing ${s.channel} after ${withdrawn.kind} at ${withdrawn.ackedAt}: ${where}` });
    }
    const suppressed = h.deliveries.find((d) => d.tenant === tenant && d.address === s.to && ['bounce', 'complaint', 'sms-stop'].includes(d.kind) && before(d, s.at));
    if (suppressed) out.push({ invariant: 'suppression', detail: `${s.channel} to an address suppressed by ${suppressed.kind} at ${suppressed.ackedAt}: ${where}` });

    const execution = await h.stack.engine.describe(step.journey, step.executionName);
    const startedAt = execution?.startedAt ?? '';
    const erased = h.deliveries.find((d) => d.kind === 'erase' && sameCustomer(d, tenant, customerId) && before(d, s.at) && startedAt <= d.ackedAt!);
    if (erased) out.push({ invariant: 'erasure-stops', detail: `sent after the customer's erasure at ${erased.ackedAt} by a journey started at ${startedAt}: ${where}` });

    const goal = h.deliveries.find((d) => {
      // A repeated delivery of an old event is not a new goal (the original, when answered, was).
      if (d.kind !== 'event' || d.duplicateOf !== undefined || d.tenant !== tenant || !before(d, s.at)) return false;
      const type = d.body?.['type'];
      const about = (d.body?.['order'] ?? d.body?.['payment']) as { id?: string; invoiceId?: string; checkoutToken?: string } | undefined;
      switch (step.journey) {
        case 'abandoned-cart':
          return type === 'order.placed' && (about?.checkoutToken === key || (d.customerId === customerId && d.ackedAt! > startedAt));
        case 'dunning':
          return type === 'payment.succeeded' && about?.invoiceId === key;
        case 'post-purchase':
        case 'order-follow-up':
          return (type === 'order.cancelled' || type === 'order.refunded') && about?.id === key;
        default:
          return false;
      }
    });
    if (goal) out.push({ invariant: 'goal', detail: `sent after ${goal.body?.['type']} (event #${goal.seq}, answered ${goal.ackedAt}): ${where}` });

    const same = h.injector.sends.filter((o) => o.step?.executionName === step.executionName && o.step.step === step.step);
    if (same.length > 1 && same[0] !== s && same.indexOf(s) === 1) out.push({ invariant: 'once-per-step', detail: `${same.length} messages for one step: ${where}` });

    if (s.marketing) {
      const from = new Date(Date.parse(s.at) - FREQUENCY_CAP.days * 86_400_000).toISOString();
      const inWindow = h.injector.sends.filter((o) => o.marketing && o.step?.enrolment.tenant === tenant && o.step.enrolment.customerId === customerId && o.at > from && o.at <= s.at);
      if (inWindow.length > FREQUENCY_CAP.max && inWindow.at(-1) === s) {
        out.push({ invariant: 'frequency-cap', detail: `${inWindow.length} marketing messages within ${FREQUENCY_CAP.days} days, cap ${FREQUENCY_CAP.max}: ${where}` });
      }
    }
  }
  return out;
}

/** End of a run: decisions, settled journeys, complete erasures, then event leases (which write). */
export async function checkRun(h: Harness): Promise<Violation[]> {
  const out: Violation[] = [];
  const erasedAfter = (tenant: string, customerId: string, t: string) => h.deliveries.some((d) => d.kind === 'erase' && sameCustomer(d, tenant, customerId) && d.attempts.some((a) => a.at >= t));

  for (const s of h.injector.sends) {
    const step = s.step;
    if (!step || erasedAfter(step.enrolment.tenant, step.enrolment.customerId, s.at)) continue;
    const decisions = await h.store.listDecisions(step.enrolment.tenant, step.enrolment.customerId);
    const found = decisions.some((d) => d.executionName === step.executionName && d.step === step.step && (d.outcome === 'sent' || d.reason === 'delivery_uncertain'));
    if (!found) out.push({ invariant: 'send-has-decision', detail: `${s.at} ${step.journey}/${step.step} ${step.executionName}: sent, and no decision says so` });
  }

  const now = h.now().toISOString();
  for (let s = 0; s < SHOPS.length; s++) {
    for (let c = 0; c < CUSTOMERS; c++) {
      const { tenant, customerId } = customerOf(s, c);
      for (const { journey, key } of journeyKeys(s, c)) {
        const enrolment = await h.store.getEnrolment(tenant, customerId, journey, key);
        // The enrolment's execution, and the name of the first life (a customer back after an erasure has a new one).
        const names = new Set([executionName(journey, tenant, key), ...(enrolment?.executionName ? [enrolment.executionName] : [])]);
        for (const name of names) {
          const rec = await h.stack.engine.describe(journey, name);
          const where = `${journey} ${name} (${tenant} c${c} ${key})`;
          if (rec?.status === 'RUNNING') out.push({ invariant: 'journeys-settle', detail: `still running at the end: ${where}` });
          if (rec?.status === 'WAITING' && rec.wakeAt! <= now) out.push({ invariant: 'journeys-settle', detail: `waiting for a time already past (${rec.wakeAt}): ${where}` });
          if (rec?.status === 'FAILED' && (h.injector.faultedTasks.get(name) ?? 0) < 5) out.push({ invariant: 'journeys-settle', detail: `failed (${rec.error}) with fewer faults than its Retry allows: ${where}` });
          if (name === (enrolment?.executionName ?? name) && enrolment?.status === 'active' && rec?.status !== 'WAITING') {
            out.push({ invariant: 'journeys-settle', detail: `enrolment active, execution ${rec?.status ?? 'never started'}: ${where}` });
          }
        }
      }
    }
  }

  for (const erase of h.deliveries.filter((d) => d.kind === 'erase' && d.ackedAt)) {
    const { tenant, customerId } = erase;
    const returned = h.deliveries.some(
      (d) => d.kind === 'event' && sameCustomer(d, tenant, customerId) && d.attempts.some((a) => a.at > erase.ackedAt!) && String(d.body?.['occurredAt']) > erase.ackedAt!,
    );
    if (returned) continue;
    const { email, phone, firstName } = contact(erase.customer);
    const exported = await h.store.exportCustomer(tenant, customerId);
    const personal = [email, phone, firstName].filter((v) => JSON.stringify(exported).includes(v));
    const left = ['orders', 'carts', 'journeys', 'messages', 'surveyAnswers', 'staffTasks'].filter((k) => ((exported[k] as unknown[] | undefined) ?? []).length > 0);
    if (exported['profile'] || personal.length || left.length) {
      out.push({ invariant: 'erasure-complete', detail: `${tenant} ${customerId} erased at ${erase.ackedAt}, and still held: ${[exported['profile'] ? 'profile' : '', ...left, ...personal.map(() => 'contact details')].filter(Boolean).join(', ')}` });
    }
  }

  out.push(...(await eventLeases(h)));
  return out;
}
