import type { StateStore } from './ports.ts';

/**
 * A step racing an erasure writes nothing that outlives it. The step checks for an erasure when it
 * begins; one that lands while it runs may delete the customer's items before the step writes its
 * decision, intent or task. So once the step is done (or has failed), the customer id's marker is
 * read again: an erasure since the step began is applied once more, with its own time, which
 * deletes whatever the step wrote after it. An erasure that lands after this read deletes those
 * writes itself, as they came before it. A customer back after an older erasure is left alone.
 */
export async function outliveNoErasure<T>(store: Pick<StateStore, 'identify' | 'eraseCustomer'>, o: { tenant: string; customerId: string; began: Date }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    const { erasedAt } = await store.identify(o.tenant, { customerIds: [o.customerId] }, o.began.toISOString());
    if (erasedAt !== undefined && Date.parse(erasedAt) >= o.began.getTime()) await store.eraseCustomer(o.tenant, o.customerId, erasedAt);
  }
}
