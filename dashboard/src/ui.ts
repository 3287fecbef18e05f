import htm from 'htm';
import { type ComponentChildren, createContext, h, type VNode } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import type { Formats, Locale, Text } from './i18n.ts';

/** What every view shares: htm bound to Preact, the language, its words and formats, and the status line. */

export const html = htm.bind(h);

export interface Ui {
  locale: Locale;
  t: Text;
  f: Formats;
  /** Says something to screen readers and on screen (the status line). */
  announce: (message: string) => void;
}

export const UiContext = createContext<Ui>(undefined as unknown as Ui);

export function useUi(): Ui {
  return useContext(UiContext);
}

export type Load<T> = { state: 'loading' } | { state: 'ready'; value: T } | { state: 'failed'; status: number; error: string };

/** Loads once per `key`; `reload` asks again. */
export function useLoad<T>(key: string, load: () => Promise<T>): [Load<T>, () => void] {
  const [state, setState] = useState<Load<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState({ state: 'loading' });
    load().then(
      (value) => live && setState({ state: 'ready', value }),
      (e: unknown) => live && setState({ state: 'failed', status: e instanceof ApiError ? e.status : 0, error: (e as Error).message }),
    );
    return () => {
      live = false;
    };
    // `load` is a new closure on every render: the key says when to load again.
  }, [key, round]);
  return [state, () => setRound((r) => r + 1)];
}

/** A page's heading, focused when the page opens so screen readers and keyboards start there. */
export function PageTitle({ children }: { children: ComponentChildren }): VNode {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return html`<h1 tabindex="-1" ref=${ref}>${children}</h1>` as VNode;
}

export function Loading(): VNode {
  const { t } = useUi();
  return html`<p class="muted" aria-busy="true">${t.loading}</p>` as VNode;
}

export function Failed({ what, error }: { what: string; error: string }): VNode {
  const { t } = useUi();
  return html`<p class="notice error" role="alert">${t.failed(what)} (${error})</p>` as VNode;
}

export interface Column<R> {
  label: string;
  cell: (row: R) => ComponentChildren;
  /** Right-aligned numbers. */
  numeric?: boolean;
}

/** A table with a caption and column headers, scrolling sideways by itself on a narrow screen. */
export function Table<R>({ caption, columns, rows, empty, captionHidden }: { caption: string; columns: Column<R>[]; rows: R[]; empty?: string; captionHidden?: boolean }): VNode {
  if (rows.length === 0 && empty) return html`<p class="muted">${empty}</p>` as VNode;
  return html`<div class="table-wrap" role="region" aria-label=${caption} tabindex="0">
    <table>
      <caption class=${captionHidden ? 'sr-only' : undefined}>${caption}</caption>
      <thead><tr>${columns.map((c) => html`<th scope="col" class=${c.numeric ? 'num' : undefined}>${c.label}</th>`)}</tr></thead>
      <tbody>${rows.map((r) => html`<tr>${columns.map((c) => html`<td class=${c.numeric ? 'num' : undefined}>${c.cell(r)}</td>`)}</tr>`)}</tbody>
    </table>
  </div>` as VNode;
}

/** Amounts per currency, each in its own: never added across currencies. */
export function moneyList(f: Formats, amounts: Record<string, string> | undefined): string {
  const entries = Object.entries(amounts ?? {});
  return entries.length ? entries.map(([currency, amount]) => f.money(amount, currency)).join(' · ') : f.money(0, 'PLN');
}
