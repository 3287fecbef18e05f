import type { JourneyConfig } from '../../workflows/src/journey.ts';
import type { Catalogue } from '../../workflows/src/catalogue.ts';
import type { SendingHours } from '../../workflows/src/quiet-hours.ts';
import { renderTemplate, TemplateRenderError } from '../../workflows/src/render.ts';
import { type Locale, pickLocale, type TemplateFile } from '../../workflows/src/template-file.ts';
import type { ConsentState, CustomerProfile, Decision, SendIntent, SendRecord, SuppressionReason } from '../core/model.ts';
import { smsLength, transliterate } from '../core/sms.ts';
import type { StepInput } from '../core/step-payload.ts';
import { planStep, type Subject, sendDecision, sendVerdict, subjectKind, subjectOf, templateData } from '../core/step-policy.ts';
import type { Clock } from '../shared/clock.ts';
import { shortHash } from '../shared/ids.ts';
import { type Log, LogCode } from '../shared/logger.ts';
import { MetricName, type Metrics, noMetrics } from '../shared/metrics.ts';
import { optOutCode, signUnsubscribeToken, type UnsubscribePayload, unsubscribeExpiry } from '../shared/unsubscribe-token.ts';
import { deliver, refusedBeforeSending } from './deliver.ts';
import { plannedAt, recordDeferral } from './enrolment.ts';
import type { EventPublisher, Mailer, SmsSender, StateStore, WebhookCaller } from './ports.ts';
import { VARIANT_TAG, VERSION_TAG } from './record-engagement.ts';
import { SHOP_TAG } from './record-feedback.ts';

export interface StepResult {
  continue: boolean;
  outcome: 'sent' | 'suppressed' | 'goal_reached' | 'task' | 'erased';
  reason?: SuppressionReason;
  /** When the next step is due (ISO-8601); the next Wait state waits until then. */
  nextAt?: string;
}

export interface StepConfig {
  shopName: string;
  /** The shop's colour (#rrggbb) for the e-mail's header rule and button. @default workflows/src/email-html.ts DEFAULT_COLOR */
  shopColor?: string;
  /** The shop's site: the link of a cart or invoice the platform gave none for. Without it, such links are left out. */
  shopUrl?: string;
  /** The engine's public address (unsubscribe, survey): never a link into the shop. */
  publicUrl: string;
  unsubscribeSecret: string;
  unsubscribeMailto?: string;
  /** Send SMS in GSM-7 by replacing Polish letters: 160 characters a part instead of 70. @default false */
  smsTransliterate?: boolean;
  /** Paid SMS per tenant per day (guards against SMS pumping). @default 1000 */
  smsDailyCap?: number;
  sendingHours?: SendingHours;
  /** Signs journey graphs' webhook calls (HMAC-SHA256); from Secrets Manager. */
  webhookSecret?: string;
  /** Marketing messages per customer per window, across all journeys. @default 3 per 7 days */
  frequencyCap?: { max: number; days: number };
}

export interface ObservedDecision extends Decision {
  customerId: string;
  to?: string;
}

export interface StepDeps {
  config: StepConfig;
  store: StateStore;
  mailer: Mailer;
  sms: SmsSender;
  events: EventPublisher;
  templates: ReadonlyMap<string, TemplateFile>;
  /** The journey files deployed with the function: an old payload without its trigger takes it from here. */
  journeys: readonly Pick<JourneyConfig, 'id' | 'trigger'>[];
  /** The shop's declared attributes: a date an update node sets is filed in the date index (profile.ts). @default the dates journeys read */
  catalogue?: Pick<Catalogue, 'attributes'>;
  clock: Clock;
  log: Log;
  /** Counts sends, suppressions by reason, tasks, journeys ended and provider errors. @default none */
  metrics?: Metrics;
  /** Told of every decision after it is recorded (the simulator's output, live views). */
  observe?: (decision: ObservedDecision) => void;
  /** Calls journey graphs' webhook nodes. @default none: a graph with a webhook node fails its step */
  webhooks?: WebhookCaller;
}

export async function runStep(input: StepInput, deps: StepDeps): Promise<StepResult> {
  const { tenant, customerId, key } = input.enrolment;
  const now = deps.clock.now();
  const at = now.toISOString();
  const metrics = deps.metrics ?? noMetrics;

  const ended = (reason: string) => metrics.count(MetricName.JourneyEnded, { journey: input.journey, reason });

  // One read for everything the guard needs up front; only the suppression list (keyed by the
  // address) and the frequency count (a range) are read on their own, and only when needed.
  const context = await deps.store.stepContext(tenant, customerId, input.journey, key, subjectKind(input.trigger));
  const decide = decider(input, deps, { at, version: context.enrolment?.version });
  // A step of a customer erased since the enrolment began (an erasure racing it) stops, writing nothing.
  if (context.erasedAt !== undefined && !(context.enrolment && Date.parse(context.enrolment.startedAt) >= Date.parse(context.erasedAt))) return { continue: false, outcome: 'erased' };
  const subject = subjectOf(input.trigger, key, context.subject, deps.config.shopUrl);
  const { customer } = context;
  const plan = planStep(input, context.enrolment?.status === 'active', subject, customer);
  if (plan.kind === 'goal_reached' || !subject.wanted) {
    if (await deps.store.endEnrolment(tenant, customerId, input.journey, key, 'goal-reached', 'goal', at)) ended('goal');
    await decide({ channel: input.channel === 'staff' ? 'staff' : input.channel === 'sms' ? 'sms' : 'email', outcome: 'suppressed', reason: 'goal_reached', template: input.template, locale: 'pl' });
    return { continue: false, outcome: 'goal_reached', reason: 'goal_reached' };
  }
  const finish = async (result: StepResult): Promise<StepResult> => {
    if (input.last && (await deps.store.endEnrolment(tenant, customerId, input.journey, key, 'completed', 'last-step', at))) ended('completed');
    if (!input.next) return { ...result, continue: !input.last };
    const planDeps = { store: deps.store, config: { tenant, sendingHours: deps.config.sendingHours }, observe: deps.observe };
    const planned = await plannedAt(planDeps, customerId, now, input.next.delaySeconds, input.next.topic, customer);
    if (planned.deferred) {
      await recordDeferral(planDeps, customerId, {
        at,
        journey: input.journey,
        step: input.next.step,
        executionName: input.executionName,
        channel: 'email',
        template: '',
        topic: input.next.topic,
        until: planned.at,
      });
    }
    return { ...result, continue: !input.last, nextAt: planned.at.toISOString() };
  };

  return finish(await performSend(input, deps, { customer, subject: subject.data, consent: context.consent, now, at, decide, version: context.enrolment?.version }));
}

export type Decide = (d: Omit<Decision, 'at' | 'journey' | 'step' | 'executionName'>, to?: string, when?: string) => Promise<void>;

/**
 * Records a step's decision once and tells the log, the metrics and the observer. `when`: a send's
 * decision is logged at its intent's time, so a resumed step writes the same one, once.
 */
/** Records decisions of one step, with the arm and the definition version (the enrolment's) they are measured under. */
export function decider(input: Pick<StepInput, 'journey' | 'step' | 'executionName' | 'topic' | 'enrolment'>, deps: StepDeps, o: { at: string; variant?: string; version?: string }): Decide {
  const { tenant, customerId } = input.enrolment;
  const metrics = deps.metrics ?? noMetrics;
  return async (d, to, when = o.at) => {
    const full: Decision = {
      at: when,
      journey: input.journey,
      step: input.step,
      executionName: input.executionName,
      topic: input.topic,
      ...(o.variant ? { variant: o.variant } : {}),
      ...(o.version ? { version: o.version } : {}),
      ...d,
    };
    // Logged before (a step resumed after its decision was written): told once, counted once.
    if (!(await deps.store.recordDecision(tenant, customerId, full))) return;
    deps.log.info(full.outcome === 'sent' ? LogCode.MessageSent : LogCode.MessageSuppressed, {
      journey: full.journey,
      step: full.step,
      executionName: full.executionName,
      channel: full.channel,
      outcome: full.outcome,
      reason: full.reason,
    });
    deps.observe?.({ ...full, customerId, to });
    if (full.outcome === 'sent') metrics.count(MetricName.MessageSent, { journey: full.journey, step: full.step, channel: full.channel });
    else if (full.outcome === 'task') metrics.count(MetricName.StaffTaskCreated, { journey: full.journey, step: full.step });
    else metrics.count(MetricName.MessageSuppressed, { journey: full.journey, step: full.step, reason: full.reason ?? full.outcome });
  };
}

export interface SendContext {
  customer: CustomerProfile | undefined;
  subject: Subject;
  consent: Partial<Record<'email' | 'sms', ConsentState>>;
  now: Date;
  at: string;
  decide: Decide;
  /** More template data: what a journey graph's webhook nodes answered (`webhook.<field>`). */
  extra?: Record<string, unknown>;
  /** The definition version the enrolment started on: the message carries it, so its deliveries and clicks count under it. */
  version?: string;
  /** The experiment arm the decision is measured under: the message carries it too, so its engagement counts under that arm. */
  variant?: string;
}

/** A send step after the journey is known to be wanted: task, address, suppression, consent, cap, then the provider. */
export async function performSend(input: StepInput, deps: StepDeps, c: SendContext): Promise<StepResult> {
  const { tenant, customerId, key } = input.enrolment;
  const { customer, now, at, decide } = c;
  const plan = planStep(input, true, { wanted: true, data: c.subject }, customer);
  if (plan.kind === 'goal_reached') throw new Error('unreachable: a wanted subject');
  const data = (extra: Record<string, unknown>) => templateData(customer?.firstName ?? '', deps.config.shopName, c.subject, { ...c.extra, ...extra }, deps.config.shopColor);
  const locale = pickLocale(customer?.locale);
  const templateId = plan.template;
  const template = deps.templates.get(templateId);
  if (!template) throw new Error(`template ${templateId} is not deployed with this function`);
  const base = { template: templateId, locale };

  if (plan.kind === 'task') return (await staffTask(input, deps, templateId, template, locale, data({ customerId }), decide));
  if (plan.kind === 'no_address' || plan.kind === 'undeliverable') {
    const reason = plan.kind === 'no_address' ? 'no_address' : plan.reason;
    await decide({ ...base, channel: plan.channel, outcome: 'suppressed', reason });
    return ({ continue: true, outcome: 'suppressed', reason });
  }
  const { channel, to } = plan;
  const topic = input.topic;
  const verdict = sendVerdict({ topic, suppressed: await deps.store.isSuppressed(tenant, channel, to), consent: c.consent[channel] });
  if (verdict.kind === 'refuse') {
    await decide({ ...base, channel, outcome: 'suppressed', reason: verdict.reason }, to);
    return ({ continue: true, outcome: 'suppressed', reason: verdict.reason });
  }

  const token = signUnsubscribeToken(deps.config.unsubscribeSecret, { t: tenant, c: customerId, ch: channel }, now);
  // An SMS gets the short link (a link carrying the 200-character token would cost two more UCS-2
  // parts); it is stored before the send, so a failure here sends nothing.
  const needsOptOut = channel === 'sms' && (topic === 'marketing' || template[locale].text.includes('unsubscribeUrl'));
  const smsOptOut = needsOptOut ? await smsOptOutUrl(deps, { t: tenant, c: customerId, ch: channel }, token, now) : undefined;
  const unsubscribeUrl = smsOptOut ?? `${deps.config.publicUrl.replace(/\/$/, '')}/unsubscribe?token=${token}`;
  const surveyUrl = `${deps.config.publicUrl.replace(/\/$/, '')}/survey?token=${token}&j=${encodeURIComponent(input.journey)}&k=${encodeURIComponent(key)}`;
  // The same survey page asking CSAT (1-5) instead of NPS (0-10).
  const csatUrl = `${surveyUrl}&q=csat`;
  let rendered: ReturnType<typeof renderTemplate>;
  try {
    // "Why did I get this?" in every e-mail's footer: the page the same signed token opens.
    const whyUrl = channel === 'email' ? `${deps.config.publicUrl.replace(/\/$/, '')}/why?token=${token}` : undefined;
    rendered = renderTemplate(templateId, template, locale, data({ unsubscribeUrl, surveyUrl, csatUrl, ...(whyUrl ? { whyUrl } : {}) }));
  } catch (e) {
    if (!(e instanceof TemplateRenderError)) throw e;
    deps.log.error(LogCode.StepFailed, { journey: input.journey, step: input.step, error: e.message });
    await decide({ ...base, channel, outcome: 'suppressed', reason: 'template_error' }, to);
    return ({ continue: true, outcome: 'suppressed', reason: 'template_error' });
  }
  let smsText: string | undefined;
  if (channel === 'sms') {
    smsText = rendered.text.trim();
    // Every marketing SMS carries its opt-out.
    if (topic === 'marketing' && !smsText.includes(unsubscribeUrl)) smsText += `\n${locale === 'pl' ? 'Rezygnacja' : 'Opt out'}: ${unsubscribeUrl}`;
    if (deps.config.smsTransliterate) smsText = transliterate(smsText);
  }
  const length = smsText === undefined ? undefined : smsLength(smsText);

  // The intent is written before the provider is called, and a marketing send takes its slot in the
  // customer's frequency window with it: steps racing for the last slot cannot both have it.
  const intent: SendIntent = { journey: input.journey, executionName: input.executionName, step: input.step, channel, topic, ...base, subject: rendered.subject, segments: length?.segments, encoding: length?.encoding, at };
  const cap = deps.config.frequencyCap ?? { max: 3, days: 7 };
  const claim = await deps.store.claimSend(tenant, customerId, intent, topic === 'marketing' ? cap : undefined);
  if (claim.kind === 'capped') {
    await decide({ ...base, channel, outcome: 'suppressed', reason: 'frequency_cap' }, to);
    return ({ continue: true, outcome: 'suppressed', reason: 'frequency_cap' });
  }
  const settle = async (record: SendRecord): Promise<StepResult> => {
    const decision = sendDecision(record);
    await decide(decision, to, record.at);
    return decision.reason ? { continue: true, outcome: 'suppressed', reason: decision.reason } : { continue: true, outcome: 'sent' };
  };
  if (claim.kind === 'exists') {
    // A resumed step (the Task retried after a crash or a timeout). Its intent without an outcome
    // may have gone out: recorded as such, never sent again. With an outcome: that, once.
    if (claim.record.status === 'claimed') await deps.store.completeSend(tenant, customerId, input.executionName, input.step, { outcome: 'uncertain' });
    return (await settle(claim.record));
  }
  const tags: Record<string, string> = { journey: input.journey, step: input.step, [SHOP_TAG]: tenant, ...(c.version ? { [VERSION_TAG]: c.version } : {}), ...(c.variant ? { [VARIANT_TAG]: c.variant } : {}) };
  const outcome = await deliver(deps, input, { channel, to, topic, locale, unsubscribeUrl, rendered, smsText, parts: length?.segments ?? 1, day: at.slice(0, 10), tags });
  await deps.store.completeSend(tenant, customerId, input.executionName, input.step, outcome);
  return (await settle({ ...intent, status: 'done', ...outcome }));
}

async function smsOptOutUrl(deps: StepDeps, p: Omit<UnsubscribePayload, 'exp'>, token: string, now: Date): Promise<string> {
  const code = optOutCode(deps.config.unsubscribeSecret, p);
  await deps.store.putShortLink(p.t, p.c, code, token, unsubscribeExpiry(now));
  return `${deps.config.publicUrl.replace(/\/$/, '')}/u/${code}`;
}

/** A call task for staff: recorded, listed by GET /v1/tasks and published as an event. */
async function staffTask(
  input: StepInput,
  deps: StepDeps,
  templateId: string,
  template: TemplateFile,
  locale: Locale,
  data: Record<string, unknown>,
  decide: (d: Omit<Decision, 'at' | 'journey' | 'step' | 'executionName'>) => Promise<void>,
): Promise<StepResult> {
  // Staff instructions are written in the shop's language.
  const rendered = renderTemplate(templateId, template, 'pl', data);
  const { tenant, customerId } = input.enrolment;
  const task = {
    id: shortHash(input.executionName, input.step),
    at: deps.clock.now().toISOString(),
    kind: 'call' as const,
    journey: input.journey,
    step: input.step,
    customerId,
    subject: rendered.subject ?? input.step,
    text: rendered.text,
    status: 'open' as const,
  };
  if (await deps.store.createTask(tenant, task)) await deps.events.taskCreated(task);
  await decide({ channel: 'staff', outcome: 'task', template: templateId, locale, subject: task.subject });
  return { continue: true, outcome: 'task' };
}

export type { CustomerProfile };

export { refusedBeforeSending };
