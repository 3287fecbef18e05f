import { readableColor } from './contrast.ts';
import { memo } from './memo.ts';
import type { Locale } from './template-file.ts';

/**
 * The HTML part of every e-mail: the template's text laid out in the shop's frame (its name and
 * colour), with its main link as a button and the opt-out in the footer. Table layout and inline
 * styles, because that is what mail clients render alike; nothing is fetched from elsewhere.
 */
export interface EmailFrame {
  locale: Locale;
  title: string;
  shopName: string;
  /** The shop's colour for the header rule and the button (#rrggbb). */
  color?: string;
}

export interface EmailAction {
  label: string;
  url: string;
}

export const DEFAULT_COLOR = '#1d5c4d';
const COLOR = /^#[0-9a-f]{6}$/i;
const URL_PATTERN = /https?:\/\/[^\s<>"]+/g;

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const m of line.matchAll(URL_PATTERN)) {
    const url = m[0].replace(/[.,;:!?)]+$/, '');
    out += `${escapeHtml(line.slice(last, m.index))}<a href="${escapeHtml(url)}" style="color:inherit">${escapeHtml(url)}</a>`;
    last = (m.index ?? 0) + url.length;
  }
  return out + escapeHtml(line.slice(last));
}

function button(action: EmailAction, color: string): string {
  return (
    `<table role="presentation" cellspacing="0" cellpadding="0" style="margin:24px 0"><tr>` +
    `<td style="border-radius:6px;background:${color}">` +
    `<a href="${escapeHtml(action.url)}" style="display:inline-block;padding:14px 28px;font-size:16px;font-weight:600;color:#ffffff;text-decoration:none;border-radius:6px">${escapeHtml(action.label)}</a>` +
    `</td></tr></table>`
  );
}

/** A footer line: "Wypisz się: https://…" becomes a link whose text is the words before the address. */
function footerLine(line: string): string {
  const m = /^(.*?)[\s:]*(https?:\/\/\S+)\s*$/.exec(line);
  if (!m?.[1] || !m[2]) return linkify(line);
  return `<a href="${escapeHtml(m[2])}" style="color:#6b6b6b">${escapeHtml(m[1])}</a>`;
}

/**
 * The body from the text part: paragraphs by blank lines; the line carrying the action's link
 * becomes the button (its words, when they are not just the label, stay above it); lines carrying
 * a footer link (the opt-out) move to the footer.
 */
export function bodyFromText(text: string, action: EmailAction | undefined, footerUrls: readonly string[], color: string): { body: string; footer: string[] } {
  const footer: string[] = [];
  const blocks: string[] = [];
  for (const paragraph of text.trim().split(/\n\s*\n/)) {
    const lines: string[] = [];
    const flush = () => {
      if (lines.length > 0) blocks.push(`<p style="margin:0 0 16px">${lines.join('<br>')}</p>`);
      lines.length = 0;
    };
    for (const raw of paragraph.split('\n')) {
      const line = raw.trim();
      if (!line) continue;
      if (footerUrls.some((u) => u && line.includes(u))) {
        footer.push(footerLine(line));
      } else if (action && line.includes(action.url)) {
        const words = line.replace(action.url, '').replace(/[\s:—-]+$/, '').trim();
        if (words && words !== action.label) lines.push(linkify(words));
        flush();
        blocks.push(button(action, color));
      } else {
        lines.push(linkify(line));
      }
    }
    flush();
  }
  return { body: blocks.join('\n'), footer };
}

/**
 * The shop's colour when it is one (#rrggbb), the default otherwise: nothing else reaches a style.
 * Darkened when white button text on it would not reach 4.5:1 (workflows/src/contrast.ts).
 */
export function shopColor(color: unknown): string {
  return typeof color === 'string' && COLOR.test(color) ? readable(color) : DEFAULT_COLOR;
}

/** A shop has one colour, and every e-mail it sends asks for it twice. */
const readable = memo(1000, (color: string) => readableColor(color));

export function emailDocument(frame: EmailFrame, body: string, footer: readonly string[]): string {
  const color = shopColor(frame.color);
  const shop = escapeHtml(frame.shopName);
  return [
    '<!doctype html>',
    `<html lang="${frame.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(frame.title)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f4f2">',
    '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="background:#f4f4f2"><tr><td align="center" style="padding:24px 12px">',
    '<table role="presentation" width="100%" cellspacing="0" cellpadding="0" style="max-width:600px;background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;color:#1f1f1f;font-size:16px;line-height:1.5">',
    `<tr><td style="padding:20px 28px;border-bottom:4px solid ${color};font-size:20px;font-weight:700">${shop}</td></tr>`,
    `<tr><td style="padding:28px">${body}</td></tr>`,
    footer.length > 0 ? `<tr><td style="padding:16px 28px 24px;font-size:12px;color:#6b6b6b;border-top:1px solid #e6e6e3">${footer.join('<br>')}</td></tr>` : '',
    '</table></td></tr></table></body></html>',
  ]
    .filter(Boolean)
    .join('\n');
}
