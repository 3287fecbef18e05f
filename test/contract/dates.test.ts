import { beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../../functions/app/ports.ts';
import { contractBackends, order, retained, t } from './backends.ts';

/** The date index (CustomerRepository.fileDate, customersByDate): customers by the month and day of a date attribute. */
describe.each(contractBackends())('the date index on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });

  it('files each customer under the month and day, per shop and attribute, in id order', async () => {
    await store.fileDate('shop-a', 'c_b', 'birthday', '1990-05-17', t(0));
    await store.fileDate('shop-a', 'c_a', 'birthday', '2001-05-17', t(0));
    await store.fileDate('shop-a', 'c_c', 'birthday', '1990-05-18', t(0));
    await store.fileDate('shop-a', 'c_d', 'anniversary', '2020-05-17', t(0));
    await store.fileDate('shop-b', 'c_e', 'birthday', '1990-05-17', t(0));
    expect(await store.customersByDate('shop-a', 'birthday', '05-17')).toEqual({ items: ['c_a', 'c_b'] });
    expect((await store.customersByDate('shop-a', 'anniversary', '05-17')).items).toEqual(['c_d']);
    expect((await store.customersByDate('shop-b', 'birthday', '05-17')).items).toEqual(['c_e']);
    expect((await store.customersByDate('shop-a', 'birthday', '05-19')).items).toEqual([]);
  });

  it('moves a customer to a new date, takes them out when the date goes, and an older event moves nothing', async () => {
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-05-17', t(0));
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-06-01', t(5));
    expect((await store.customersByDate('shop-a', 'birthday', '05-17')).items).toEqual([]);
    expect((await store.customersByDate('shop-a', 'birthday', '06-01')).items).toEqual(['c_1']);
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-07-07', t(4));
    expect((await store.customersByDate('shop-a', 'birthday', '07-07')).items).toEqual([]);
    await store.fileDate('shop-a', 'c_1', 'birthday', undefined, t(6));
    expect((await store.customersByDate('shop-a', 'birthday', '06-01')).items).toEqual([]);
    // Filed again (the same time replayed files again).
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-06-01', t(6));
    expect((await store.customersByDate('shop-a', 'birthday', '06-01')).items).toEqual(['c_1']);
  });

  it('is no part of the last-order index, though it shares its index', async () => {
    await store.putOrder('shop-a', 'c_1', order('o-1'), '2026-05-17T10:00:00.000Z');
    await store.fileDate('shop-a', 'c_2', 'birthday', '1990-05-17', t(0));
    expect((await store.customersByLastOrderDay('shop-a', '2026-05-17')).items.map((c) => c.customerId)).toEqual(['c_1']);
    expect((await store.customersByDate('shop-a', 'birthday', '05-17')).items).toEqual(['c_2']);
  });

  it('is exported with the customer and erased with them', async () => {
    await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', attributes: { birthday: '1990-05-17' } }, t(0));
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-05-17', t(0));
    expect((await store.exportCustomer('shop-a', 'c_1'))['dates']).toEqual([expect.objectContaining({ attribute: 'birthday', monthDay: '05-17', customerId: 'c_1' })]);
    await store.eraseCustomer('shop-a', 'c_1', t(10));
    expect((await store.customersByDate('shop-a', 'birthday', '05-17')).items).toEqual([]);
    expect((await store.exportCustomer('shop-a', 'c_1'))['dates']).toEqual([]);
  });

  it('files again as of the profile only while the profile is on file as it was read', async () => {
    await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl', attributes: { birthday: '1990-05-17' } }, t(0));
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-05-17', t(0));
    const read = (await store.getCustomer('shop-a', 'c_1'))!.updatedAt;
    await store.upsertCustomer('shop-a', 'c_1', { email: 'zofia@example.pl' }, t(3));
    const now = (await store.getCustomer('shop-a', 'c_1'))!.updatedAt;
    // Refreshed as of the profile's last update: the entry's time, and so its expiry, move with it.
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-05-17', now, now);
    expect((await store.exportCustomer('shop-a', 'c_1'))['dates']).toEqual([expect.objectContaining({ monthDay: '05-17', at: now, expiresAt: retained(now) })]);
    // A refresh from a stale read of the profile writes nothing.
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-05-18', t(4), read);
    expect((await store.customersByDate('shop-a', 'birthday', '05-18')).items).toEqual([]);
    // Erased since it was read: nothing is written back.
    await store.eraseCustomer('shop-a', 'c_1', t(10));
    await store.fileDate('shop-a', 'c_1', 'birthday', '1990-05-17', now, now);
    expect((await store.customersByDate('shop-a', 'birthday', '05-17')).items).toEqual([]);
    expect((await store.exportCustomer('shop-a', 'c_1'))['dates']).toEqual([]);
  });
});
