import type { WebhookCaller } from '../app/ports.ts';

/** POSTs with fetch, cut off after `timeoutMs` (a step must end well within its Lambda timeout). */
export class FetchWebhookCaller implements WebhookCaller {
  constructor(private readonly timeoutMs = 8000) {}

  async post(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers }, signal: AbortSignal.timeout(this.timeoutMs), redirect: 'error' });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed };
  }
}
