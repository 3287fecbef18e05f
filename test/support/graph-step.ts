import type { EmailMessage, StateStore } from '../../functions/app/ports.ts';
import type { GraphDeps } from '../../functions/app/run-graph.ts';
import { type GraphInput, GraphPayload } from '../../functions/core/step-payload.ts';
import { silentLog } from '../../functions/shared/logger.ts';
import type { JourneyConfig, journeyFlow } from '../../workflows/src/journey.ts';
import type { loadTemplates } from '../../workflows/src/load.ts';

/**
 * A journey graph's step on a test's own store and clock: a mailer that keeps every e-mail (ids
 * `m-1`, `m-2`, …), an SMS sender and staff tasks that answer at once, the shop's test settings.
 */
export function graphStep(o: { store: StateStore; journeys: JourneyConfig[]; templates: ReturnType<typeof loadTemplates>; now: () => Date; extra?: Partial<GraphDeps> }): { step: GraphDeps; emails: EmailMessage[] } {
  const emails: EmailMessage[] = [];
  const step: GraphDeps = {
    config: { shopName: 'Sklep', publicUrl: 'https://api.example.pl', unsubscribeSecret: 'secret-0123456789-0123456789', frequencyCap: { max: 10, days: 7 } },
    store: o.store,
    mailer: {
      send: async (m) => {
        emails.push(m);
        return { messageId: `m-${emails.length}` };
      },
    },
    sms: { send: async () => ({ messageId: 'sms' }) },
    events: { taskCreated: async () => undefined },
    templates: o.templates,
    journeys: o.journeys,
    clock: { now: o.now },
    log: silentLog,
    ...o.extra,
  };
  return { step, emails };
}

/** The Task payload the state machine hands a graph's step at `entry` (or resuming a wait's timeout there). */
export function graphPayload(
  flow: NonNullable<ReturnType<typeof journeyFlow>>,
  o: { journey: string; trigger: string; topic: string; entry: string; resume?: 'timeout'; executionName: string; customerId: string; key: string; firstAt: string },
): GraphInput {
  return GraphPayload.parse({
    version: 3,
    journey: o.journey,
    trigger: o.trigger,
    topic: o.topic,
    entry: o.entry,
    ...(o.resume ? { resume: o.resume } : {}),
    deferrable: flow.deferrable(o.entry, o.resume),
    segment: JSON.stringify(flow.segment(o.entry, o.resume).nodes),
    executionName: o.executionName,
    enrolment: { version: 1, tenant: 'default', customerId: o.customerId, journey: o.journey, key: o.key, firstAt: o.firstAt },
  });
}
