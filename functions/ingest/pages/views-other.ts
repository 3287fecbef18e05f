import { escapeHtml as e } from '../../../workflows/src/email-html.ts';
import type { HttpResponse } from '../http.ts';
import { page, type PageContext } from './frame.ts';

/** The survey and its thank-you, "why did I get this message?", and the pages that say a link or form did not work. */

export function invalidLinkPage(ctx: PageContext, status = 400): HttpResponse {
  const t = ctx.text;
  return page(status, ctx, t.invalidTitle, `<div class="card"><h1>${e(t.invalidTitle)}</h1><p>${e(t.invalidText)}</p></div>`);
}

export function refusedPage(ctx: PageContext, retryHref: string | undefined): HttpResponse {
  const t = ctx.text;
  const retry = retryHref ? `<p><a href="${e(retryHref)}">${e(t.managePreferences)}</a></p>` : '';
  return page(403, ctx, t.refusedTitle, `<div class="card"><h1>${e(t.refusedTitle)}</h1><p>${e(t.refusedText)}</p>${retry}</div>`);
}

export interface SurveyView {
  action: string;
  form: Record<string, string>;
  shopName: string;
  /** NPS (0-10, the default) or CSAT (1-5). */
  question?: 'csat';
  error?: string;
}

export function surveyPage(ctx: PageContext, v: SurveyView, status = 200): HttpResponse {
  const t = ctx.text;
  const hidden = Object.entries(v.form)
    .map(([k, val]) => `<input type="hidden" name="${e(k)}" value="${e(val)}">`)
    .join('');
  const csat = v.question === 'csat';
  const scores = csat ? [1, 2, 3, 4, 5] : Array.from({ length: 11 }, (_, n) => n);
  const label = csat ? t.csatLabel : t.scoreLabel;
  const buttons = scores.map((n) => `<button name="score" value="${n}" aria-label="${e(label(n))}">${n}</button>`).join('');
  const error = v.error ? `<p class="status" role="alert">${e(v.error)}</p>` : '';
  return page(
    status,
    ctx,
    t.surveyTitle,
    `<div class="card"><h1>${e(t.surveyTitle)}</h1>${error}
<form method="post" action="${e(v.action)}">${hidden}
<fieldset aria-describedby="scale-hint"><legend>${e(csat ? t.csatQuestion(v.shopName) : t.surveyQuestion(v.shopName))}</legend>
<p class="muted" id="scale-hint">${e(csat ? t.csatScale : t.surveyScale)}</p>
<div class="scale${csat ? ' csat' : ''}">${buttons}</div></fieldset></form></div>`,
  );
}

export function unknownSurveyPage(ctx: PageContext, status: number): HttpResponse {
  const t = ctx.text;
  return page(status, ctx, t.surveyTitle, `<div class="card"><h1>${e(t.surveyTitle)}</h1><p>${e(t.surveyUnknown)}</p></div>`);
}

export function thanksPage(ctx: PageContext, o: { low: boolean; shopUrl?: string }): HttpResponse {
  const t = ctx.text;
  const back = o.shopUrl ? `<p><a href="${e(o.shopUrl)}">${e(t.backToShop)}</a></p>` : '';
  return page(200, ctx, t.thanksTitle, `<div class="card"><h1>${e(t.thanksTitle)}</h1><p role="status">${e(o.low ? t.thanksLow : t.thanksHigh)}</p>${back}</div>`);
}

export interface WhyItem {
  purpose: string;
  basis: string[];
  messages: { date: string; channel: string; subject?: string }[];
}

export function whyPage(ctx: PageContext, o: { items: WhyItem[]; preferencesHref: string; unsubscribeHref: string }): HttpResponse {
  const t = ctx.text;
  const items = o.items.length
    ? o.items
        .map((i) => {
          const list = i.messages.length
            ? `<h3>${e(t.recentMessages)}</h3><ul>${i.messages.map((m) => `<li>${e(m.date)} · ${e(m.channel)}${m.subject ? `: ${e(m.subject)}` : ''}</li>`).join('')}</ul>`
            : '';
          return `<div class="card"><h2>${e(i.purpose)}</h2>${i.basis.map((b) => `<p>${e(b)}</p>`).join('')}${list}</div>`;
        })
        .join('\n')
    : `<div class="card"><p>${e(t.whyNothing)}</p></div>`;
  return page(
    200,
    ctx,
    t.whyTitle,
    `<div class="card"><h1>${e(t.whyTitle)}</h1><p class="actions"><a href="${e(o.preferencesHref)}">${e(t.managePreferences)}</a> <a href="${e(o.unsubscribeHref)}">${e(t.unsubscribeTitle)}</a></p></div>
${items}`,
  );
}
