import { journeyFlow, triggerSubject } from '../../workflows/src/journey.ts';
import { LogCode } from '../shared/logger.ts';
import { executionName } from '../shared/ids.ts';
import type { EnrolDeps } from './enrolment.ts';

/**
 * An event a journey graph waits for (a waitFor node) came before the timeout: the waiting
 * execution is replaced by a continuation that starts at the node's event branch. The enrolment
 * is marked first, conditional on it still waiting there (the timeout's step clears the same mark,
 * so exactly one of the two goes on); the continuation is named by the event, so a redelivery
 * after a crash finds the mark, starts the same continuation and stops the same execution again.
 */
export async function resumeAwaiting(event: { type: string; key: string }, customerId: string, orderId: string | undefined, deps: EnrolDeps): Promise<number> {
  const { tenant } = deps.config;
  // Most events are awaited by no journey: then they cost no read here.
  if (!deps.journeys.some((j) => j.nodes?.some((n) => n.waitFor?.event === event.type))) return 0;
  let resumed = 0;
  for (const e of await deps.store.activeEnrolments(tenant, customerId)) {
    const journey = deps.journeys.find((j) => j.id === e.journey);
    const flow = journey && journeyFlow(journey);
    if (!journey || !flow) continue;
    // An order event wakes only the journey about that order.
    if (triggerSubject(journey.trigger) === 'order' && orderId !== undefined && orderId !== e.key) continue;
    const name = executionName(journey.id, tenant, `${e.key}\u0000${event.key}`);
    let from: string;
    let entry: string;
    if (e.awaiting?.event === event.type) {
      const node = flow.byId.get(e.awaiting.node);
      if (!node?.waitFor) continue;
      from = e.executionName;
      entry = node.waitFor.onEvent;
      if (!(await deps.store.markEnrolment(tenant, customerId, e.journey, e.key, { awaiting: null, continuation: { executionName: name, from } }, node.id))) continue;
    } else if (e.executionName === name && e.continuedFrom) {
      // Applied again after a crash: the mark is this event's.
      from = e.continuedFrom;
      const node = flow.nodes.find((n) => n.waitFor?.event === event.type);
      if (!node?.waitFor) continue;
      entry = node.waitFor.onEvent;
    } else continue;
    await deps.runner.start(journey.id, name, { version: 1, tenant, customerId, journey: journey.id, key: e.key, firstAt: deps.clock.now().toISOString(), entry });
    await deps.runner.stop(journey.id, from, `${event.type} came first`);
    deps.log.info(LogCode.JourneyStarted, { journey: journey.id, executionName: name, entry });
    resumed++;
  }
  return resumed;
}
