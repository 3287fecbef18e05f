import type { EnrolDeps } from './enrolment.ts';
import { executionName } from '../shared/ids.ts';
import { LogCode } from '../shared/logger.ts';
import { customersNamed } from './identity.ts';

/** Who a data-subject request names: a customer id, an e-mail address, a phone number, or several. */
export interface NamedCustomer {
  customerId?: string;
  email?: string;
  phone?: string;
}

/**
 * RODO art. 17, complete and final: every customer the request names (the id given, each address's
 * holder, the id each address derives) has their running journeys stopped and their data erased;
 * the addresses named are marked erased even when no customer holds them, so an event dated
 * before now never brings the data back.
 */
export async function eraseCustomers(named: NamedCustomer, deps: EnrolDeps): Promise<{ erased: string[]; stopped: number }> {
  const { tenant } = deps.config;
  const at = deps.clock.now().toISOString();
  const erased = await customersNamed(deps.store, tenant, named, at);
  let stopped = 0;
  for (const customerId of erased) {
    const running = await deps.store.activeEnrolments(tenant, customerId);
    for (const { journey, key } of running) {
      await deps.store.endEnrolment(tenant, customerId, journey, key, 'stopped', 'erasure', at);
      await deps.runner.stop(journey, executionName(journey, tenant, key), 'erasure');
    }
    await deps.store.eraseCustomer(tenant, customerId, at, { email: named.email, phone: named.phone });
    deps.log.info(LogCode.CustomerErased, { customerId, stoppedJourneys: running.length });
    stopped += running.length;
  }
  return { erased, stopped };
}

/** The one customer an export or a decision log is about: the id given, else the e-mail's holder (or derived id), else the phone's. */
export async function customerNamed(named: NamedCustomer, deps: Pick<EnrolDeps, 'store' | 'config' | 'clock'>): Promise<string | undefined> {
  return (await customersNamed(deps.store, deps.config.tenant, named, deps.clock.now().toISOString()))[0];
}
