import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { type CustomerAnswer, getJson, postJson, type Row } from './api.ts';
import { timeline } from './timeline.ts';
import { Failed, html, Loading, PageTitle, Table, useLoad, useUi } from './ui.ts';

/** A customer found by e-mail or phone: who, their consent, their history, and export and erasure. */

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function CustomerPage({ query }: { query: string }): VNode {
  const { t } = useUi();
  const [q, setQ] = useState(query);
  const search = (e: Event) => {
    e.preventDefault();
    window.location.hash = `#/customer?q=${encodeURIComponent(q.trim())}`;
  };
  return html`<section>
    <${PageTitle}>${t.customer.title}<//>
    <form class="search" role="search" onSubmit=${search}>
      <label for="customer-q">${t.customer.search}</label>
      <div class="row">
        <input id="customer-q" name="q" type="search" required autocomplete="off" value=${q} onInput=${(e: Event) => setQ((e.target as HTMLInputElement).value)} />
        <button type="submit">${t.customer.find}</button>
      </div>
    </form>
    ${query ? html`<${CustomerResult} key=${query} query=${query} />` : null}
  </section>` as VNode;
}

function CustomerResult({ query }: { query: string }): VNode {
  const { t } = useUi();
  const [load, reload] = useLoad(`customer:${query}`, () => getJson<CustomerAnswer>(`/dashboard/api/customer?q=${encodeURIComponent(query)}`));
  if (load.state === 'loading') return html`<${Loading} />` as VNode;
  if (load.state === 'failed') {
    return (load.status === 404 ? html`<p class="notice" role="status">${t.customer.notFound}</p>` : html`<${Failed} what=${query} error=${load.error} />`) as VNode;
  }
  return html`<${CustomerDetails} answer=${load.value} onErased=${reload} />` as VNode;
}

function CustomerDetails({ answer, onErased }: { answer: CustomerAnswer; onErased: () => void }): VNode {
  const { t, f } = useUi();
  const { data, customerId } = answer;
  const p = data.profile;
  const consentOf = (channel: string) => (data.consents ?? []).find((c) => c['channel'] === channel && c['topic'] === 'marketing');
  const moments = timeline(data, t, f);
  const c = t.customer.columns;
  return html`
    <section class="card" aria-labelledby="profile-h">
      <h2 id="profile-h">${t.customer.profile}</h2>
      <dl class="facts">
        <div><dt>${t.customer.name}</dt><dd>${p?.firstName || t.customer.none}</dd></div>
        <div><dt>${t.customer.email}</dt><dd>${p?.email || t.customer.none}</dd></div>
        <div><dt>${t.customer.phone}</dt><dd>${p?.phone || t.customer.none}</dd></div>
        <div><dt>${t.customer.locale}</dt><dd>${p?.locale || t.customer.none}</dd></div>
        ${['email', 'sms'].map((ch) => {
          const state = consentOf(ch);
          return html`<div><dt>${t.customer.consent} (${ch})</dt><dd>${state?.['granted'] ? t.customer.granted : t.customer.notGranted}${state ? html` <small class="muted">${f.date(str(state['at']))} · ${str(state['source'])}</small>` : null}</dd></div>`;
        })}
      </dl>
      <div class="actions">
        <a class="button secondary" href=${`/dashboard/api/customer/export?id=${customerId}`} download=${`${customerId}.json`}>${t.customer.export}</a>
        <${Erase} customerId=${customerId} onErased=${onErased} />
      </div>
    </section>
    <section class="card"><h2>${t.customer.timeline}</h2>
      <ol class="timeline">${moments.map((m) => html`<li class=${`moment moment-${m.kind}`}><time datetime=${m.at}>${f.date(m.at)}</time> <strong>${m.text}</strong>${m.detail ? html` <span class="muted">${m.detail}</span>` : null}</li>`)}</ol>
    </section>
    <section class="card"><h2>${t.customer.decisions}</h2>
      <${Table} captionHidden=${true} caption=${t.customer.decisions} empty=${t.customer.none} rows=${data.messages ?? []} columns=${[
        { label: c.at, cell: (r: Row) => f.date(str(r['at'])) },
        { label: c.journey, cell: (r: Row) => str(r['journey']) },
        { label: c.step, cell: (r: Row) => str(r['step']) },
        { label: c.channel, cell: (r: Row) => str(r['channel']) },
        { label: c.outcome, cell: (r: Row) => str(r['outcome']) },
        { label: c.reason, cell: (r: Row) => str(r['reason']) },
        { label: c.subject, cell: (r: Row) => str(r['subject']) },
      ]} />
    </section>
    <section class="card"><h2>${t.customer.ledger}</h2>
      <${Table} captionHidden=${true} caption=${t.customer.ledger} empty=${t.customer.none} rows=${data.consentLedger ?? []} columns=${[
        { label: c.at, cell: (r: Row) => f.date(str(r['at'])) },
        { label: c.channel, cell: (r: Row) => str(r['channel']) },
        { label: c.kind, cell: (r: Row) => str(r['kind']) },
        { label: c.source, cell: (r: Row) => str(r['source']) },
        { label: c.applied, cell: (r: Row) => (r['applied'] ? t.customer.yes : t.customer.no) },
        { label: c.reason, cell: (r: Row) => str(r['reason']) },
      ]} />
    </section>
    <section class="card"><h2>${t.customer.journeys}</h2>
      <${Table} captionHidden=${true} caption=${t.customer.journeys} empty=${t.customer.none} rows=${data.journeys ?? []} columns=${[
        { label: c.journey, cell: (r: Row) => str(r['journey']) },
        { label: c.key, cell: (r: Row) => str(r['key']) },
        { label: c.status, cell: (r: Row) => str(r['status']) },
        { label: c.at, cell: (r: Row) => f.date(str(r['startedAt'])) },
        { label: c.reason, cell: (r: Row) => str(r['endReason']) },
      ]} />
    </section>` as VNode;
}

/** Erasure asks first: the customer's e-mail or phone typed again, then the server checks it too. */
function Erase({ customerId, onErased }: { customerId: string; onErased: () => void }): VNode {
  const { t, announce } = useUi();
  const [open, setOpen] = useState(false);
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState('');
  if (!open) return html`<button type="button" class="danger" onClick=${() => setOpen(true)}>${t.customer.erase}</button>` as VNode;
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      await postJson('/dashboard/api/customer/erase', { customerId, confirm });
      announce(t.customer.erased);
      onErased();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return html`<form class="confirm" role="alertdialog" aria-labelledby="erase-h" aria-describedby="erase-text" onSubmit=${submit}>
    <h3 id="erase-h">${t.customer.eraseTitle}</h3>
    <p id="erase-text">${t.customer.eraseText}</p>
    <label for="erase-confirm">${t.customer.eraseConfirm}</label>
    <input id="erase-confirm" autocomplete="off" required value=${confirm} onInput=${(e: Event) => setConfirm((e.target as HTMLInputElement).value)} aria-invalid=${error ? 'true' : undefined} aria-describedby=${error ? 'erase-error' : undefined} />
    ${error ? html`<p id="erase-error" class="notice error" role="alert">${error}</p>` : null}
    <div class="actions"><button type="submit" class="danger">${t.customer.eraseButton}</button> <button type="button" class="secondary" onClick=${() => setOpen(false)}>${t.customer.cancel}</button></div>
  </form>` as VNode;
}
