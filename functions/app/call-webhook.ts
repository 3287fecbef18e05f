import { createHmac } from 'node:crypto';
import type { WebhookSpec } from '../../workflows/src/nodes.ts';
import { cleanText } from '../core/limits.ts';
import type { CustomerProfile } from '../core/model.ts';
import type { WebhookCaller } from './ports.ts';

export class WebhookUnavailable extends Error {
  override name = 'WebhookUnavailable';
}

export interface WebhookCall {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The request of a webhook node: the customer and the journey as JSON, an idempotency key that is
 * the same on every retry (execution × node), and a signature the shop checks with the shared
 * secret: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
 */
export function webhookRequest(
  spec: WebhookSpec,
  o: { secret: string; now: Date; shop: string; journey: string; node: string; executionName: string; key: string; customerId: string; customer?: CustomerProfile },
): WebhookCall {
  const body = JSON.stringify({
    shop: o.shop,
    journey: o.journey,
    node: o.node,
    key: o.key,
    customer: { id: o.customerId, email: o.customer?.email ?? null, phone: o.customer?.phone ?? null, firstName: o.customer?.firstName ?? null },
    fields: spec.fields,
  });
  const t = Math.floor(o.now.getTime() / 1000);
  const v1 = createHmac('sha256', o.secret).update(`${t}.${body}`).digest('hex');
  return { url: spec.url, body, headers: { 'Idempotency-Key': `${o.executionName}:${o.node}`, 'X-Koszyk-Signature': `t=${t},v1=${v1}` } };
}

/**
 * Calls and keeps the declared fields of a 2xx JSON answer (text cleaned and cut at 200
 * characters; anything else dropped). A 5xx or no answer throws, so the state machine retries the
 * step; a 4xx is the shop's final word: `refused`, and the journey goes on without the fields.
 */
export async function callWebhook(caller: WebhookCaller, spec: WebhookSpec, call: WebhookCall): Promise<{ kind: 'answered'; values: Record<string, string | number | boolean> } | { kind: 'refused'; status: number }> {
  let res: { status: number; body: unknown };
  try {
    res = await caller.post(call.url, call.body, call.headers);
  } catch (e) {
    throw new WebhookUnavailable(`webhook: no answer (${(e as Error).name})`);
  }
  if (res.status >= 500 || res.status === 429) throw new WebhookUnavailable(`webhook: ${res.status}`);
  if (res.status < 200 || res.status >= 300) return { kind: 'refused', status: res.status };
  const values: Record<string, string | number | boolean> = {};
  const answer = res.body && typeof res.body === 'object' ? (res.body as Record<string, unknown>) : {};
  for (const field of spec.fields) {
    const v = answer[field];
    if (typeof v === 'string') values[field] = cleanText(v, 200);
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean') values[field] = v;
  }
  return { kind: 'answered', values };
}
