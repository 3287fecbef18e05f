import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, decision, t, task } from './backends.ts';

/**
 * Reads that span more than one page: DynamoDB ends a query page after 1 MB, so a read that made
 * one request saw only the first page. Large items (about 300 KB each) cross that line with a handful.
 */
const big = 'x'.repeat(300_000);

describe.each(contractBackends())('reads past one page on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  it('the decision log and the staff tasks come back whole', async () => {
    for (let i = 0; i < 5; i++) {
      await store.recordDecision('shop-a', 'c_1', decision(t(i), { step: `s${i}`, subject: big, outcome: 'sent', topic: 'marketing' }));
      await store.createTask('shop-a', task(`task-${i}`, t(i), 'c_1', { text: big }));
    }
    expect(await store.listDecisions('shop-a', 'c_1')).toHaveLength(5);
    expect(await store.listTasks('shop-a')).toHaveLength(5);
    expect(((await store.exportCustomer('shop-a', 'c_1'))['staffTasks'] as unknown[]).length).toBe(5);
  });
});
