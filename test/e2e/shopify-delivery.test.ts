import { describe, expect, it } from 'vitest';
import { signBase64Hmac } from '../../functions/ingest/signatures.ts';
import { customerIdFor, executionName } from '../../functions/shared/ids.ts';
import { FIXTURE_SECRET, fixture } from '../support/fixtures.ts';
import { localHarness } from '../support/harness.ts';
import { hours, inbox } from '../support/local.ts';

/**
 * A Shopify order with an id above 2^53, then the fulfilment reporting its delivery (which names
 * the order and no customer): on DynamoDB Local and the embedded engine, the delivery is matched to
 * the stored order by its exact id and starts the follow-up checks, whose first message names it.
 */
const harness = localHarness();
const ORDER = '5794123456789012345';
const T = new Date('2026-11-26T14:10:00Z');

describe('Shopify: delivered, then the follow-up checks', () => {
  it('starts order-follow-up on the exact order and sends the check-in three days later', async () => {
    const s = await harness.stack(T);
    const order = fixture('shopify', 'orders_create');
    const body = order.body
      .toString('utf8')
      .replace('"id": 820982911946154500,', `"id": ${ORDER},`)
      .replace('"cancelled_at": "2021-12-31T19:00:00-05:00"', '"cancelled_at": null')
      .replace('"created_at": "2021-12-31T19:00:00-05:00"', '"created_at": "2026-11-20T10:00:00+01:00"');
    const placed = await s.request({ method: 'POST', path: '/webhooks/shopify', headers: { ...order.headers, 'X-Shopify-Hmac-Sha256': signBase64Hmac(body, FIXTURE_SECRET) }, rawBody: Buffer.from(body) });
    expect(placed).toMatchObject({ status: 202, body: { events: [{ status: 'order-recorded' }] } });

    const delivery = fixture('shopify', 'fulfillments_update_delivered');
    expect(await s.request({ method: 'POST', path: '/webhooks/shopify', headers: delivery.headers, rawBody: delivery.body })).toMatchObject({
      status: 202,
      body: { events: [{ status: 'delivery-recorded' }] },
    });
    const jon = customerIdFor('default', { email: 'jon@example.com' })!;
    expect(await s.store.getOrder('default', jon, ORDER)).toMatchObject({ id: ORDER, deliveredAt: '2026-11-26T13:03:00.000Z', trackingUrl: expect.stringMatching(/^https:\/\/inpost\.pl\//) });
    const name = executionName('order-follow-up', 'default', ORDER);
    expect(await s.engine.describe('order-follow-up', name)).toMatchObject({ status: 'WAITING' });

    await s.engine.advanceTo(new Date(T.getTime() + hours(72)));
    // Post-purchase, started by the order, mails its own; the check-in is the follow-up's.
    expect((await inbox(s.sesEndpoint!, 'jon@example.com', /all right/)).map((m) => m.subject)).toEqual([`Is everything all right with order ${ORDER}?`]);
    expect((await s.store.listDecisions('default', jon)).filter((d) => d.journey === 'order-follow-up').map((d) => [d.step, d.outcome])).toEqual([['check-in', 'sent']]);
  });
});
