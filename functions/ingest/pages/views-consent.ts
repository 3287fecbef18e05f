import { escapeHtml as e } from '../../../workflows/src/email-html.ts';
import type { ChannelPreference } from '../../app/preferences.ts';
import type { HttpResponse } from '../http.ts';
import { page, type PageContext } from './frame.ts';
import { maskAddress } from './mask.ts';

/** The unsubscribe confirmation, its result and the preference centre. */

export interface Links {
  preferences: string;
  why: string;
}

function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${e(k)}" value="${e(v)}">`)
    .join('');
}

function linkList(ctx: PageContext, links: Partial<Links>): string {
  const items = [
    links.preferences ? `<a href="${e(links.preferences)}">${e(ctx.text.managePreferences)}</a>` : '',
    links.why ? `<a href="${e(links.why)}">${e(ctx.text.whyLink)}</a>` : '',
  ].filter(Boolean);
  return items.length ? `<p class="actions">${items.join(' ')}</p>` : '';
}

export function unsubscribeConfirmPage(ctx: PageContext, o: { channel: 'email' | 'sms'; address?: string; action: string; links: Links }): HttpResponse {
  const t = ctx.text;
  const lead = o.address ? t.unsubscribeLead(o.channel, maskAddress(o.channel, o.address)) : t.unsubscribeLeadNoAddress;
  return page(
    200,
    ctx,
    t.unsubscribeTitle,
    `<div class="card"><h1>${e(t.unsubscribeTitle)}</h1>
<p>${e(lead)}</p><p class="muted">${e(t.serviceStays)}</p>
<form method="post" action="${e(o.action)}"><button type="submit">${e(t.unsubscribeButton)}</button></form></div>
<div class="card">${linkList(ctx, o.links)}</div>`,
  );
}

export function unsubscribedPage(ctx: PageContext, links: Partial<Links>): HttpResponse {
  const t = ctx.text;
  return page(
    200,
    ctx,
    t.unsubscribedTitle,
    `<div class="card"><h1>${e(t.unsubscribedTitle)}</h1>
<p role="status">${e(t.unsubscribedText)}</p><p>${e(t.changedMind)}</p>${linkList(ctx, links)}</div>`,
  );
}

export interface PreferencesView {
  channels: ChannelPreference[];
  /** The form's hidden fields: the link's token, the form nonce, the language. */
  form: Record<string, string>;
  action: string;
  status?: 'saved' | 'withdrawn' | 'requested';
  whyHref: string;
  formatDate: (iso: string) => string;
}

function channelChoice(ctx: PageContext, c: ChannelPreference, formatDate: (iso: string) => string): string {
  const t = ctx.text;
  if (!c.address) return `<p class="muted">${e(t.noAddress(c.channel))}</p>`;
  const id = `pref-${c.channel}`;
  const notes = [c.blocked ? t.blocked : '', c.since ? t.lastChanged(formatDate(c.since)) : ''].filter(Boolean);
  const described = notes.length ? ` aria-describedby="${id}-note"` : '';
  // A blocked address cannot be opted in here; its box can still be cleared.
  const disabled = c.blocked && !c.granted ? ' disabled' : '';
  return `<label class="choice" for="${id}"><input type="checkbox" id="${id}" name="${c.channel}" value="on"${c.granted ? ' checked' : ''}${disabled}${described}>
<span>${e(t.channelLabel(c.channel, maskAddress(c.channel, c.address)))}${notes.length ? `<br><small class="muted" id="${id}-note">${notes.map(e).join(' ')}</small>` : ''}</span></label>`;
}

export function preferencesPage(ctx: PageContext, v: PreferencesView, brandName: string, privacyEmail: string | undefined): HttpResponse {
  const t = ctx.text;
  const status = v.status ? `<p class="status" role="status">${e(t[v.status])}</p>` : '';
  const form = (action: string, label: string, cls = '') =>
    `<form method="post" action="${e(v.action)}">${hidden({ ...v.form, action })}<button type="submit"${cls ? ` class="${cls}"` : ''}>${e(label)}</button></form>`;
  const body = `${status}<div class="card"><h1>${e(t.preferencesTitle)}</h1>
<p>${e(t.preferencesLead(brandName))}</p>
<form method="post" action="${e(v.action)}">${hidden({ ...v.form, action: 'save' })}
<fieldset><legend>${e(t.marketingLegend)}</legend><p class="muted" id="marketing-hint">${e(t.marketingHint)}</p>
${v.channels.map((c) => channelChoice(ctx, c, v.formatDate)).join('\n')}</fieldset>
<button type="submit">${e(t.save)}</button></form></div>
<div class="card"><h2>${e(t.serviceTitle)}</h2><p>${e(t.serviceText)}</p></div>
<div class="card"><h2>${e(t.withdrawTitle)}</h2><p>${e(t.withdrawText)}</p>${form('withdraw-all', t.withdrawButton)}</div>
<div class="card"><h2 id="privacy">${e(t.privacyTitle)}</h2>
<p>${e(t.privacyController(brandName))}${privacyEmail ? ` ${e(t.privacyContact(privacyEmail))}` : ''}</p>
<p>${e(t.privacyWhat)}</p><p>${e(t.privacyWhy)}</p>
<p>${e(t.rightsIntro)}</p><ul>${t.rights.map((r) => `<li>${e(r)}</li>`).join('')}</ul>
<div class="actions">${form('request-export', t.requestExport, 'secondary')}${form('request-erasure', t.requestErasure, 'secondary')}</div>
<p><a href="${e(v.whyHref)}">${e(t.whyLink)}</a></p></div>`;
  return page(200, ctx, t.preferencesTitle, body);
}
