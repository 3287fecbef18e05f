import { join } from 'node:path';
import { subjectOf, templateData } from '../functions/core/step-policy.ts';
import { codesBefore } from '../workflows/src/codes.ts';
import type { JourneyConfig } from '../workflows/src/journey.ts';
import { renderTemplate, TemplateRenderError } from '../workflows/src/render.ts';
import { type Locale, Locale as Locales, type TemplateFile } from '../workflows/src/template-file.ts';

const PUBLIC_URL = 'https://api.sklep.example.pl';
const SHOP_URL = 'https://sklep.example.pl';

/**
 * A stored cart, order or invoice as the step reads it, with every field a template may use;
 * `withoutLinks`: as a platform that gave no recovery or payment link stores it.
 */
function sampleItem(trigger: JourneyConfig['trigger'], category: string | undefined, withoutLinks: boolean): Record<string, unknown> | undefined {
  const items = [
    { title: 'Kubek ceramiczny', quantity: 2, price: '49.90', ...(category ? { category } : {}) },
    { title: 'Kawa ziarnista 1 kg', quantity: 1, price: '89.00' },
  ];
  switch (trigger) {
    case 'checkout':
      return { token: 'sample', items, total: '188.80', currency: 'PLN', ...(withoutLinks ? {} : { recoveryUrl: `${SHOP_URL}/koszyk/sample` }), status: 'open' };
    case 'order.placed':
      return { id: 'sample', items, total: '188.80', currency: 'PLN', status: 'placed' };
    case 'order.fulfilled':
    case 'order.delivered': {
      const shipped = { fulfilledAt: '2026-11-24T09:00:00.000Z', ...(trigger === 'order.delivered' ? { deliveredAt: '2026-11-26T13:00:00.000Z' } : {}) };
      return { id: 'sample', items, total: '188.80', currency: 'PLN', status: 'placed', ...shipped, ...(withoutLinks ? {} : { trackingUrl: 'https://tracking.example.pl/sample' }) };
    }
    case 'payment.failed':
      return { invoiceId: 'sample', amount: '99.00', currency: 'PLN', ...(withoutLinks ? {} : { hostedUrl: `${SHOP_URL}/zaplac/sample` }), status: 'open' };
    // A welcome, a scheduled run and a catalogue event have no subject.
    default:
      return undefined;
  }
}

/**
 * Renders every template each journey step can pick (the default and each product category's),
 * in every locale it is sent in, with the data the step would give it. Strict rendering turns a
 * misspelt or missing variable into a problem here instead of a `template_error` at send time.
 */
export function templateProblems(journeys: readonly JourneyConfig[], templates: ReadonlyMap<string, TemplateFile>, templatesDir: string): string[] {
  const problems: string[] = [];
  for (const journey of journeys) {
    const sends = journey.steps ?? (journey.nodes ?? []).flatMap((n) => (n.send ? [{ id: n.id, ...n.send }] : []));
    // A pool's code only where every way to the send claimed one (a pool may run empty).
    const claimed = codesBefore(journey.nodes ?? []);
    for (const step of sends) {
      const codes = Object.fromEntries([...(claimed.get(step.id) ?? [])].map((pool) => [pool, 'SAMPLE-CODE']));
      const choices: [string, string | undefined][] = [[step.template, undefined], ...Object.entries(step.templateByCategory ?? {}).map(([c, t]): [string, string] => [t, c])];
      for (const [id, category] of choices) {
        const file = templates.get(id);
        if (!file) continue; // The journey loader reports unknown templates.
        // Links the platform did not give: the shop's site when configured, left out otherwise.
        for (const shopUrl of [SHOP_URL, undefined]) {
        const subject = subjectOf(journey.trigger, 'sample', sampleItem(journey.trigger, category, shopUrl === undefined), shopUrl);
        if (!subject.wanted) throw new Error(`sample ${journey.trigger} subject is not wanted`);
        // Staff tasks are written in the shop's language only.
        const locales: readonly Locale[] = step.channel === 'staff' ? ['pl'] : Locales.options;
        // What the journey's webhook nodes declare they answer, as a later template sees it.
        const webhook = Object.fromEntries((journey.nodes ?? []).flatMap((n) => n.webhook?.fields ?? []).map((f) => [f, 'SAMPLE']));
        const extra = step.channel === 'staff' ? { customerId: 'c_sample', webhook, codes } : { unsubscribeUrl: `${PUBLIC_URL}/unsubscribe?token=t`, surveyUrl: `${PUBLIC_URL}/survey?token=t`, csatUrl: `${PUBLIC_URL}/survey?token=t&q=csat`, webhook, codes };
        for (const locale of locales) {
          try {
            renderTemplate(id, file, locale, templateData('Zofia', 'Sklep', subject.data, extra));
          } catch (e) {
            if (!(e instanceof TemplateRenderError)) throw e;
            const where = `${e.locale}.${e.field}${e.position ? ` line ${e.position.line}, column ${e.position.column}` : ''}`;
            problems.push(`${join(templatesDir, `${id}.yaml`)}: ${where}: ${e.reason} (journey ${journey.id}, step ${step.id}${category ? `, category ${category}` : ''})`);
          }
        }
        }
      }
    }
  }
  return [...new Set(problems)];
}
