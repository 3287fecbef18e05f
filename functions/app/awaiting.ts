import { journeyFlow, triggerSubject } from '../../workflows/src/journey.ts';
import type { Condition } from '../../workflows/src/nodes.ts';
import type { DomainEvent } from '../core/domain.ts';
import { eventSubject, type FilterFacts, passesFilter, subjectKey } from '../core/filters.ts';
import { LogCode } from '../shared/logger.ts';
import { executionName } from '../shared/ids.ts';
import { consentFor, type EnrolDeps } from './enrolment.ts';

/**
 * An event a journey graph waits for (a waitFor node) came before the timeout: the waiting
 * execution is replaced by a continuation that starts at the node's event branch. The enrolment
 * is marked first, conditional on it still waiting there (the timeout's step clears the same mark,
 * so exactly one of the two goes on); the continuation is named by the event, so a redelivery
 * after a crash finds the mark, starts the same continuation and stops the same execution again.
 */
export async function resumeAwaiting(event: { type: string; key: string }, customerId: string, orderId: string | undefined, deps: EnrolDeps, source?: DomainEvent): Promise<number> {
  const { tenant } = deps.config;
  // Most events are awaited by no journey: then they cost no read here.
  if (!deps.journeys.some((j) => j.nodes?.some((n) => n.waitFor?.event === event.type))) return 0;
  const passes = awaitedFilter(event.type, customerId, orderId, deps, source);
  const about = source ? subjectKey(source) : undefined;
  let resumed = 0;
  for (const e of await deps.store.activeEnrolments(tenant, customerId)) {
    const journey = deps.journeys.find((j) => j.id === e.journey);
    const flow = journey && journeyFlow(journey);
    if (!journey || !flow) continue;
    // An event about a cart, an order or an invoice wakes only the journey about that one (paying
    // one invoice leaves another's reminders be); a new order is always another order.
    if (about && about.kind === triggerSubject(journey.trigger) && event.type !== 'order.placed' && about.key !== e.key) continue;
    const name = executionName(journey.id, tenant, `${e.key}\u0000${event.key}`);
    let from: string;
    let entry: string;
    if (e.awaiting?.event === event.type) {
      const node = flow.byId.get(e.awaiting.node);
      if (!node?.waitFor) continue;
      if (!(await passes(node.waitFor.filter))) {
        deps.log.info(LogCode.AwaitedEventFiltered, { journey: journey.id, executionName: e.executionName, node: node.id });
        continue;
      }
      from = e.executionName;
      entry = node.waitFor.onEvent;
      if (!(await deps.store.markEnrolment(tenant, customerId, e.journey, e.key, { awaiting: null, continuation: { executionName: name, from, entry } }, node.id))) continue;
    } else if (e.executionName === name && e.continuedFrom) {
      // Applied again after a crash: the mark is this event's, and says where it goes on (a mark
      // from before entries were kept: the first waitFor for the event).
      from = e.continuedFrom;
      const fallback = flow.nodes.find((n) => n.waitFor?.event === event.type)?.waitFor?.onEvent;
      const at = e.continuedAt ?? fallback;
      if (at === undefined) continue;
      entry = at;
    } else continue;
    await deps.runner.start(journey.id, name, { version: 1, tenant, customerId, journey: journey.id, key: e.key, firstAt: deps.clock.now().toISOString(), entry });
    await deps.runner.stop(journey.id, from, `${event.type} came first`);
    deps.log.info(LogCode.JourneyStarted, { journey: journey.id, executionName: name, entry });
    resumed++;
  }
  return resumed;
}

/**
 * Whether the awaited event passes a waitFor's filter: over the event (its cart, order or payment;
 * an order it names only by id as stored; a shop's event's properties), the profile and, only when
 * the filter tests it, consent. What it reads is read once, and only for a filter.
 */
function awaitedFilter(type: string, customerId: string, orderId: string | undefined, deps: EnrolDeps, source: DomainEvent | undefined): (filter: Condition | undefined) => Promise<boolean> {
  const { tenant } = deps.config;
  let facts: Promise<FilterFacts> | undefined;
  const read = async (): Promise<FilterFacts> => {
    const filters = deps.journeys.flatMap((j) => j.nodes?.flatMap((n) => (n.waitFor?.event === type && n.waitFor.filter ? [n.waitFor.filter] : [])) ?? []);
    const stored = source && orderId !== undefined && source.type !== 'order.placed' ? await deps.store.getOrder(tenant, customerId, orderId) : undefined;
    const consent = await consentFor(filters, customerId, deps);
    const properties = source?.type === 'custom' ? { ...source.properties, ...source.personal } : undefined;
    return { customer: await deps.store.getCustomer(tenant, customerId), subject: source ? eventSubject(source, stored) : {}, consent, properties, now: deps.clock.now() };
  };
  return async (filter) => {
    if (!filter) return true;
    facts ??= read();
    return passesFilter(filter, await facts);
  };
}
