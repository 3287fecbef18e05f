import type { CustomerAnswer, Row } from './api.ts';
import type { Formats, Text } from './i18n.ts';

/** One customer's history, newest first, put together from what the export holds. */

export interface Moment {
  at: string;
  kind: 'order' | 'cart' | 'journey' | 'message' | 'consent' | 'score' | 'task';
  text: string;
  detail?: string;
}

const str = (v: unknown) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export function timeline(data: CustomerAnswer['data'], t: Text, f: Formats): Moment[] {
  const out: Moment[] = [];
  const money = (r: Row) => (r['total'] && r['currency'] ? f.money(str(r['total']), str(r['currency'])) : '');
  for (const o of data.orders ?? []) out.push({ at: str(o['placedAt']), kind: 'order', text: t.event.order(str(o['id']), money(o)), detail: str(o['status']) });
  for (const c of data.carts ?? []) out.push({ at: str(c['updatedAt']), kind: 'cart', text: t.event.cart(money(c)), detail: str(c['status']) });
  for (const j of data.journeys ?? []) {
    out.push({ at: str(j['startedAt']), kind: 'journey', text: t.event.started(str(j['journey'])), detail: str(j['key']) });
    if (j['endedAt']) out.push({ at: str(j['endedAt']), kind: 'journey', text: t.event.ended(str(j['journey']), str(j['endReason'] ?? j['status'])) });
  }
  for (const m of data.messages ?? []) {
    const outcome = [str(m['outcome']), str(m['reason'])].filter(Boolean).join(': ');
    out.push({ at: str(m['at']), kind: 'message', text: t.event.message(str(m['step']), outcome), detail: [str(m['journey']), str(m['channel']), str(m['subject'])].filter(Boolean).join(' · ') });
  }
  for (const l of data.consentLedger ?? []) out.push({ at: str(l['receivedAt'] || l['at']), kind: 'consent', text: t.event.consent(str(l['channel']), str(l['kind'])), detail: `${str(l['source'])} · ${str(l['reason'])}` });
  for (const s of data.surveyAnswers ?? []) {
    const score = Number(s['score']);
    out.push({ at: str(s['at']), kind: 'score', text: s['question'] === 'csat' ? t.event.csat(score) : t.event.score(score), detail: str(s['journey']) });
  }
  for (const k of data.staffTasks ?? []) out.push({ at: str(k['at']), kind: 'task', text: t.event.task(str(k['subject'])), detail: str(k['status']) });
  return out.filter((m) => m.at).sort((a, b) => b.at.localeCompare(a.at));
}
