import { beforeEach, describe, expect, it } from 'vitest';
import type { CodeClaim, StateStore } from '../../functions/app/ports.ts';
import { contractBackends, t } from './backends.ts';

/** CodePoolRepository: unique codes loaded into a shop's pools, each given to one claim at most. */
describe.each(contractBackends())('code pools on $name', (backend) => {
  let store: StateStore;
  beforeEach(async () => {
    store = await backend.fresh();
  });
  const claim = (customerId: string, executionName = `win-back-${customerId}`, node = 'vip-code'): CodeClaim => ({ customerId, executionName, node, at: t(10) });
  const codes = (n: number, prefix = 'VIP') => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

  it('gives codes in load order, one per claim; a claim asked again gets its own code; empty when none is left', async () => {
    expect(await store.codePool('shop-a', 'vip')).toEqual({ loaded: 0, claimed: 0, left: 0 });
    expect(await store.claimCode('shop-a', 'vip', claim('c_0'))).toEqual({ empty: true });
    expect(await store.loadCodes('shop-a', 'vip', ['A-1', 'B-2', 'C-3'], t(0))).toEqual({ added: 3, duplicates: 0 });
    expect(await store.claimCode('shop-a', 'vip', claim('c_1'))).toEqual({ code: 'A-1' });
    expect(await store.claimCode('shop-a', 'vip', claim('c_2'))).toEqual({ code: 'B-2' });
    // The same execution and node again (a retried step), also after the pool has moved on.
    expect(await store.claimCode('shop-a', 'vip', claim('c_1'))).toEqual({ code: 'A-1' });
    // Another node of the same execution is another claim.
    expect(await store.claimCode('shop-a', 'vip', claim('c_1', 'win-back-c_1', 'second'))).toEqual({ code: 'C-3' });
    expect(await store.claimCode('shop-a', 'vip', claim('c_3'))).toEqual({ empty: true });
    expect(await store.claimCode('shop-a', 'vip', claim('c_2'))).toEqual({ code: 'B-2' });
    expect(await store.codePool('shop-a', 'vip')).toEqual({ loaded: 3, claimed: 3, left: 0 });
  });

  it('loads a code once: again in the same load or a later one it is a duplicate, given or not', async () => {
    expect(await store.loadCodes('shop-a', 'vip', ['A-1', 'B-2', 'A-1'], t(0))).toEqual({ added: 2, duplicates: 1 });
    await store.claimCode('shop-a', 'vip', claim('c_1'));
    expect(await store.loadCodes('shop-a', 'vip', ['A-1', 'B-2', 'C-3'], t(1))).toEqual({ added: 1, duplicates: 2 });
    expect(await store.codePool('shop-a', 'vip')).toEqual({ loaded: 3, claimed: 1, left: 2 });
    expect(await store.claimCode('shop-a', 'vip', claim('c_2'))).toEqual({ code: 'B-2' });
    expect(await store.claimCode('shop-a', 'vip', claim('c_3'))).toEqual({ code: 'C-3' });
  });

  it('keeps pools and shops apart', async () => {
    await store.loadCodes('shop-a', 'vip', ['SAME-1'], t(0));
    await store.loadCodes('shop-b', 'vip', ['SAME-1'], t(0));
    await store.loadCodes('shop-a', 'birthday', ['SAME-1', 'BDAY-2'], t(0));
    expect(await store.claimCode('shop-b', 'vip', claim('c_1'))).toEqual({ code: 'SAME-1' });
    expect(await store.claimCode('shop-a', 'vip', claim('c_1'))).toEqual({ code: 'SAME-1' });
    expect(await store.codePool('shop-a', 'birthday')).toEqual({ loaded: 2, claimed: 0, left: 2 });
    expect(await store.codePool('shop-b', 'birthday')).toEqual({ loaded: 0, claimed: 0, left: 0 });
  });

  it('loads more than one transaction holds, in order', async () => {
    const many = codes(130);
    expect(await store.loadCodes('shop-a', 'vip', many, t(0))).toEqual({ added: 130, duplicates: 0 });
    const given: string[] = [];
    for (let i = 0; i < 130; i++) given.push(((await store.claimCode('shop-a', 'vip', claim(`c_${i}`))) as { code: string }).code);
    expect(given).toEqual(many);
  });

  it('under many claims at once, and a load beside them, gives each code to one claim: none twice, none lost', async () => {
    await store.loadCodes('shop-a', 'vip', codes(30), t(0));
    const claimants = Array.from({ length: 45 }, (_, i) => `c_${i}`);
    const [answers] = await Promise.all([
      Promise.all(claimants.map((c) => store.claimCode('shop-a', 'vip', claim(c)))),
      store.loadCodes('shop-a', 'vip', codes(10, 'MORE'), t(1)),
    ]);
    const given = answers.flatMap((a) => ('code' in a ? [a.code] : []));
    expect(given).toHaveLength(new Set(given).size);
    // However the load fell among the claims, what was not given is left, and later claims take it.
    const status = await store.codePool('shop-a', 'vip');
    expect(status).toEqual({ loaded: 40, claimed: given.length, left: 40 - given.length });
    const rest = await Promise.all(Array.from({ length: status.left + 1 }, (_, i) => store.claimCode('shop-a', 'vip', claim(`late_${i}`))));
    const all = [...given, ...rest.flatMap((a) => ('code' in a ? [a.code] : []))];
    expect(all).toHaveLength(40);
    expect(new Set(all)).toEqual(new Set([...codes(30), ...codes(10, 'MORE')]));
    expect(rest.filter((a) => 'empty' in a)).toHaveLength(1);
    // Each claim asked again, all at once: the same code each.
    const again = await Promise.all(claimants.map((c) => store.claimCode('shop-a', 'vip', claim(c))));
    expect(again.filter((a) => 'code' in a)).toEqual(answers.filter((a) => 'code' in a));
  });

  it('keeps each claim under its customer: exported, and erased with them', async () => {
    await store.loadCodes('shop-a', 'vip', ['A-1', 'B-2'], t(0));
    await store.claimCode('shop-a', 'vip', claim('c_1'));
    await store.claimCode('shop-a', 'vip', claim('c_2'));
    expect((await store.exportCustomer('shop-a', 'c_1'))['codes']).toEqual([expect.objectContaining({ pool: 'vip', node: 'vip-code', executionName: 'win-back-c_1', code: 'A-1' })]);
    await store.eraseCustomer('shop-a', 'c_1', t(20));
    expect((await store.exportCustomer('shop-a', 'c_1'))['codes']).toEqual([]);
    expect((await store.exportCustomer('shop-a', 'c_2'))['codes']).toHaveLength(1);
    // The erased customer's code is not given again.
    expect(await store.claimCode('shop-a', 'vip', claim('c_3'))).toEqual({ empty: true });
  });
});
