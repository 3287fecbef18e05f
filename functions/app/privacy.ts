import type { EnrolDeps } from './enrolment.ts';
import { executionName } from '../shared/ids.ts';
import { LogCode } from '../shared/logger.ts';

/** RODO art. 17: stops every running journey of the customer, then erases their data. */
export async function eraseCustomer(customerId: string, deps: EnrolDeps): Promise<{ stopped: number }> {
  const { tenant } = deps.config;
  const at = deps.clock.now().toISOString();
  let stopped = 0;
  for (const { journey, key } of await deps.store.activeEnrolments(tenant, customerId)) {
    await deps.store.endEnrolment(tenant, customerId, journey, key, 'stopped', 'erasure', at);
    await deps.runner.stop(journey, executionName(journey, tenant, key), 'erasure');
    stopped++;
  }
  await deps.store.eraseCustomer(tenant, customerId, at);
  deps.log.info(LogCode.CustomerErased, { customerId, stoppedJourneys: stopped });
  return { stopped };
}
