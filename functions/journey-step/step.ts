import { z } from 'zod';
import { Channel, Topic } from '../../workflows/src/journey.ts';
import { renderTemplate, TemplateRenderError } from '../../workflows/src/render.ts';
import { pickLocale, type TemplateFile } from '../../workflows/src/template-file.ts';
import type { Clock } from '../shared/clock.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { type Mailer, PermanentSendError } from '../shared/mailer.ts';
import type { Decision, Store, SuppressionReason } from '../shared/store.ts';
import { signUnsubscribeToken } from '../shared/unsubscribe-token.ts';

/**
 * The payload a journey's Task state sends. Running executions keep the definition they
 * started with, so this shape is versioned and the handler accepts every version still live.
 */
export const StepInput = z.object({
  version: z.literal(1),
  journey: z.string(),
  step: z.string(),
  channel: Channel,
  template: z.string(),
  topic: Topic,
  last: z.boolean(),
  executionName: z.string(),
  enrolment: z.object({ version: z.literal(1), tenant: z.string(), customerId: z.string(), journey: z.string(), key: z.string() }),
});
export type StepInput = z.infer<typeof StepInput>;

export interface StepResult {
  continue: boolean;
  outcome: 'sent' | 'suppressed' | 'already_sent' | 'goal_reached';
  reason?: SuppressionReason;
}

export interface StepConfig {
  shopName: string;
  publicUrl: string;
  unsubscribeSecret: string;
  unsubscribeMailto?: string;
}

export interface ObservedDecision extends Decision {
  customerId: string;
  to?: string;
}

export interface StepDeps {
  config: StepConfig;
  store: Store;
  mailer: Mailer;
  templates: ReadonlyMap<string, TemplateFile>;
  clock: Clock;
  log: Log;
  /** Told of every decision after it is recorded (the simulator's output, live views). */
  observe?: (decision: ObservedDecision) => void;
}

export async function runStep(input: StepInput, deps: StepDeps): Promise<StepResult> {
  const { tenant, customerId, key } = input.enrolment;
  const now = deps.clock.now();
  const at = now.toISOString();
  const template = deps.templates.get(input.template);
  const base = { at, journey: input.journey, step: input.step, executionName: input.executionName, channel: input.channel, template: input.template };

  const decide = async (d: Decision, to?: string) => {
    await deps.store.recordDecision(tenant, customerId, d);
    deps.log.info(d.outcome === 'sent' ? LogCode.MessageSent : LogCode.MessageSuppressed, {
      journey: d.journey,
      step: d.step,
      executionName: d.executionName,
      channel: d.channel,
      reason: d.reason,
    });
    deps.observe?.({ ...d, customerId, to });
  };
  const suppress = async (reason: SuppressionReason, locale = 'pl', to?: string) => {
    await decide({ ...base, locale, outcome: 'suppressed', reason }, to);
  };

  const enrolment = await deps.store.getEnrolment(tenant, customerId, input.journey, key);
  if (enrolment?.status !== 'active') {
    await suppress('goal_reached');
    return { continue: false, outcome: 'goal_reached', reason: 'goal_reached' };
  }
  const cart = await deps.store.getCart(tenant, key);
  if (!cart || cart.status === 'ordered') {
    await deps.store.endEnrolment(tenant, customerId, input.journey, key, 'goal-reached', 'order.placed', at);
    await suppress('goal_reached');
    return { continue: false, outcome: 'goal_reached', reason: 'goal_reached' };
  }
  const finish = async (result: StepResult): Promise<StepResult> => {
    if (input.last) await deps.store.endEnrolment(tenant, customerId, input.journey, key, 'completed', 'last-step', at);
    return { ...result, continue: !input.last };
  };

  const customer = await deps.store.getCustomer(tenant, customerId);
  const locale = pickLocale(customer?.locale);
  const to = input.channel === 'email' ? customer?.email : customer?.phone;
  if (!to) {
    await suppress('no_address', locale);
    return finish({ continue: true, outcome: 'suppressed', reason: 'no_address' });
  }
  if (input.topic === 'marketing') {
    const consent = await deps.store.getConsent(tenant, customerId, input.channel, 'marketing');
    if (!consent?.granted) {
      const reason = consent?.source === 'unsubscribe-link' ? 'unsubscribed' : 'no_consent';
      await suppress(reason, locale, to);
      return finish({ continue: true, outcome: 'suppressed', reason });
    }
  }
  if (input.channel !== 'email') {
    // SMS delivery arrives with the SMS channel; until then the decision is recorded, not lost.
    await suppress('no_address', locale, to);
    return finish({ continue: true, outcome: 'suppressed', reason: 'no_address' });
  }
  if (!template) throw new Error(`template ${input.template} is not deployed with this function`);

  const token = signUnsubscribeToken(deps.config.unsubscribeSecret, { t: tenant, c: customerId, ch: 'email' }, now);
  const unsubscribeUrl = `${deps.config.publicUrl.replace(/\/$/, '')}/unsubscribe?token=${token}`;
  let rendered: ReturnType<typeof renderTemplate>;
  try {
    rendered = renderTemplate(input.template, template, locale, {
      firstName: customer?.firstName ?? '',
      shop: { name: deps.config.shopName },
      cart: { items: cart.items, total: cart.total, currency: cart.currency, recoveryUrl: cart.recoveryUrl ?? deps.config.publicUrl },
      unsubscribeUrl,
    });
  } catch (e) {
    if (!(e instanceof TemplateRenderError)) throw e;
    deps.log.error(LogCode.StepFailed, { journey: input.journey, step: input.step, error: e.message });
    await suppress('template_error', locale, to);
    return finish({ continue: true, outcome: 'suppressed', reason: 'template_error' });
  }

  if (!(await deps.store.claimSend(input.executionName, input.step, at))) {
    return finish({ continue: true, outcome: 'already_sent' });
  }
  let messageId: string | undefined;
  try {
    ({ messageId } = await deps.mailer.send({
      to,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      headers: [
        { name: 'List-Unsubscribe', value: `<${unsubscribeUrl}>${deps.config.unsubscribeMailto ? `, <mailto:${deps.config.unsubscribeMailto}>` : ''}` },
        { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
      ],
      tags: { journey: input.journey, step: input.step },
    }));
  } catch (e) {
    if (e instanceof PermanentSendError) {
      await deps.store.completeSend(input.executionName, input.step, undefined);
      await suppress('rejected_by_provider', locale, to);
      return finish({ continue: true, outcome: 'suppressed', reason: 'rejected_by_provider' });
    }
    await deps.store.releaseSend(input.executionName, input.step);
    throw e;
  }
  await deps.store.completeSend(input.executionName, input.step, messageId);
  await decide({ ...base, locale, outcome: 'sent', subject: rendered.subject, messageId }, to);
  return finish({ continue: true, outcome: 'sent' });
}
