import type { renderTemplate } from '../../workflows/src/render.ts';
import type { Locale } from '../../workflows/src/template-file.ts';
import type { SendOutcome } from '../core/model.ts';
import type { StepInput } from '../core/step-payload.ts';
import { LogCode } from '../shared/logger.ts';
import { MetricName, noMetrics } from '../shared/metrics.ts';
import { PermanentSendError } from './ports.ts';
import type { StepDeps } from './run-step.ts';

export interface Delivery {
  channel: 'email' | 'sms';
  to: string;
  topic: 'marketing' | 'service';
  locale: Locale;
  unsubscribeUrl: string;
  rendered: ReturnType<typeof renderTemplate>;
  smsText?: string;
  /** The SMS's billed parts, counted against its day's cap. */
  parts: number;
  day: string;
  tags: Record<string, string>;
}

/**
 * Calls the provider for a claimed send and says what came of it. When certainly nothing went out
 * and a retry may do better (throttled, no connection, the SMS cap unreadable), the claim and its
 * slot are given back and the error goes to the state machine's retry.
 */
export async function deliver(deps: StepDeps, input: StepInput, d: Delivery): Promise<SendOutcome> {
  const { tenant, customerId } = input.enrolment;
  const metrics = deps.metrics ?? noMetrics;
  const release = () => deps.store.releaseSend(tenant, customerId, input.executionName, input.step);
  if (d.channel === 'sms') {
    let fits: boolean;
    try {
      fits = await deps.store.countSms(tenant, d.day, deps.config.smsDailyCap ?? 1000, d.parts);
    } catch (e) {
      await release();
      throw e;
    }
    if (!fits) return { outcome: 'refused', reason: 'sms_daily_cap' };
  }
  try {
    if (d.channel === 'email') {
      const { messageId } = await deps.mailer.send({
        to: d.to,
        subject: d.rendered.subject ?? deps.config.shopName,
        text: d.rendered.text,
        html: d.rendered.html,
        headers:
          d.topic === 'marketing'
            ? [
                { name: 'List-Unsubscribe', value: `<${d.unsubscribeUrl}>${deps.config.unsubscribeMailto ? `, <mailto:${deps.config.unsubscribeMailto}>` : ''}` },
                { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
              ]
            : [],
        tags: d.tags,
      });
      return { outcome: 'sent', messageId };
    }
    const { messageId } = await deps.sms.send({ to: d.to, text: d.smsText ?? '', kind: d.topic, tags: d.tags });
    return { outcome: 'sent', messageId };
  } catch (e) {
    const provider = d.channel === 'email' ? 'ses' : 'sms';
    if (e instanceof PermanentSendError) {
      // Refused for good (unverified sender, SES sandbox, a number the SMS service will not take):
      // recorded, counted, and alarmed on past a threshold, never silent.
      deps.log.warn(LogCode.ProviderRejected, { journey: input.journey, step: input.step, provider, error: e.message });
      metrics.count(MetricName.ProviderRejected, { provider });
      return { outcome: 'refused', reason: 'rejected_by_provider' };
    }
    metrics.count(MetricName.ProviderError, { provider });
    if (refusedBeforeSending(e)) {
      // Throttled, refused outright or never connected: nothing went out, so the state machine's retry may send.
      await release();
      throw e;
    }
    // Timeout, reset connection, 5xx after the SDK's own retries: the provider may have accepted
    // the message. At most once: keep the claim (and its slot), record the doubt, carry on.
    deps.log.warn(LogCode.StepFailed, { journey: input.journey, step: input.step, error: (e as Error).name, outcome: 'delivery_uncertain' });
    return { outcome: 'uncertain' };
  }
}

const REFUSED = new Set(['TooManyRequestsException', 'ThrottlingException', 'Throttling', 'LimitExceededException', 'ServiceQuotaExceededException']);
/** Failures before a request could reach the provider: no connection, so certainly nothing sent. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ConnectTimeoutError']);

/** True when the provider certainly did not accept the message (throttled, refused with a 4xx, never reached). */
export function refusedBeforeSending(e: unknown): boolean {
  const err = e as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  if (err.name && REFUSED.has(err.name)) return true;
  if ((err.code && NOT_CONNECTED.has(err.code)) || (err.name && NOT_CONNECTED.has(err.name))) return true;
  const status = err.$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500;
}

