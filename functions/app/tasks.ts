import type { JourneyConfig } from '../../workflows/src/journey.ts';
import type { StaffTask } from '../core/model.ts';
import type { Clock } from '../shared/clock.ts';
import { shortHash } from '../shared/ids.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import type { StateStore } from './ports.ts';

/**
 * Staff tasks as the shop's staff work them: each open task with who to call (the customer's first
 * name and phone), what about (the order or invoice and its amount) and marking one done.
 */

export interface TaskDeps {
  store: StateStore;
  journeys: readonly Pick<JourneyConfig, 'id' | 'trigger'>[];
  clock: Clock;
  log: Log;
}

export interface TaskView extends StaffTask {
  customer: { firstName?: string; phone?: string; email?: string };
  subjectOf?: { kind: 'order' | 'invoice'; id: string; amount?: string; currency?: string };
}

/** What a journey's enrolment key is, for the journeys whose key is an order or an invoice. */
function keyKind(journey: Pick<JourneyConfig, 'trigger'> | undefined): 'order' | 'invoice' | undefined {
  if (journey?.trigger === 'payment.failed') return 'invoice';
  if (journey?.trigger === 'order.placed' || journey?.trigger === 'order.delivered') return 'order';
  return undefined;
}

/** The order or invoice a task is about: named on it, or the key of the enrolment whose step made it (the task id is that step's hash). */
async function aboutOf(deps: TaskDeps, tenant: string, task: StaffTask): Promise<{ kind: 'order' | 'invoice'; id: string } | undefined> {
  if (task.about) return task.about;
  const kind = keyKind(deps.journeys.find((j) => j.id === task.journey));
  if (!kind) return undefined;
  const running = await deps.store.activeEnrolments(tenant, task.customerId, task.journey);
  const made = running.find((e) => shortHash(e.executionName, task.step) === task.id);
  return made && { kind, id: made.key };
}

async function view(deps: TaskDeps, tenant: string, task: StaffTask): Promise<TaskView> {
  const [profile, about] = await Promise.all([deps.store.getCustomer(tenant, task.customerId), aboutOf(deps, tenant, task)]);
  const customer = { firstName: profile?.firstName, phone: profile?.phone, email: profile?.email };
  if (!about) return { ...task, customer };
  if (about.kind === 'invoice') {
    const invoice = await deps.store.getInvoice(tenant, about.id);
    return { ...task, customer, subjectOf: { ...about, amount: invoice?.amount, currency: invoice?.currency } };
  }
  const order = await deps.store.getOrder(tenant, task.customerId, about.id);
  return { ...task, customer, subjectOf: { ...about, amount: order?.total, currency: order?.currency } };
}

/** The shop's open tasks, oldest first, each with its customer and subject. */
export async function openTasks(deps: TaskDeps, tenant: string): Promise<TaskView[]> {
  const open = (await deps.store.listTasks(tenant)).filter((t) => t.status === 'open');
  return Promise.all(open.map((t) => view(deps, tenant, t)));
}

export type TaskDone = 'done' | 'not-open';

/** Marks a task done; `not-open` when there is no such open task (done already, erased, never made). */
export async function markTaskDone(deps: TaskDeps, tenant: string, task: { at: string; id: string }): Promise<TaskDone> {
  const done = await deps.store.completeTask(tenant, task.at, task.id, deps.clock.now().toISOString());
  if (done) deps.log.info(LogCode.TaskDone, { taskId: task.id });
  return done ? 'done' : 'not-open';
}
