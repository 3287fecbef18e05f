import 'uplot/dist/uPlot.min.css';
import './app.css';
import { render, type VNode } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { session } from './api.ts';
import { CustomerPage } from './customer.ts';
import { formats, type Locale, textFor } from './i18n.ts';
import { JourneyPage } from './journey.ts';
import { JourneysPage } from './journeys.ts';
import { TasksPage } from './tasks.ts';
import { html, type Ui, UiContext } from './ui.ts';

/**
 * The dashboard's client: one page at a time, chosen by the address's hash (#/journeys,
 * #/journeys/{id}, #/customer?q=…, #/tasks), in Polish or English (the choice kept in this browser).
 */

type Route = { page: 'journeys' } | { page: 'journey'; id: string } | { page: 'customer'; query: string } | { page: 'tasks' };

function routeOf(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'journeys' && parts[1]) return { page: 'journey', id: decodeURIComponent(parts[1]) };
  if (parts[0] === 'customer') return { page: 'customer', query: new URLSearchParams(search).get('q') ?? '' };
  if (parts[0] === 'tasks') return { page: 'tasks' };
  return { page: 'journeys' };
}

function initialLocale(): Locale {
  const kept = localStorage.getItem('koszyk-locale');
  if (kept === 'pl' || kept === 'en') return kept;
  return document.documentElement.lang === 'en' ? 'en' : 'pl';
}

function App(): VNode {
  const [route, setRoute] = useState(routeOf(window.location.hash));
  const [locale, setLocale] = useState<Locale>(initialLocale());
  const [status, setStatus] = useState('');
  useEffect(() => {
    const onHash = () => {
      setRoute(routeOf(window.location.hash));
      setStatus('');
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
    localStorage.setItem('koszyk-locale', locale);
  }, [locale]);
  const ui: Ui = useMemo(() => ({ locale, t: textFor(locale), f: formats(locale), announce: setStatus }), [locale]);
  const t = ui.t;
  const current = route.page === 'journey' ? 'journeys' : route.page;
  const page =
    route.page === 'journey'
      ? html`<${JourneyPage} key=${route.id} id=${route.id} />`
      : route.page === 'customer'
        ? html`<${CustomerPage} key=${route.query} query=${route.query} />`
        : route.page === 'tasks'
          ? html`<${TasksPage} />`
          : html`<${JourneysPage} />`;
  const link = (to: 'journeys' | 'customer' | 'tasks') =>
    html`<a href=${`#/${to}`} aria-current=${current === to ? 'page' : undefined}>${t.nav[to]}</a>`;
  return html`<${UiContext.Provider} value=${ui}>
    <a class="skip" href="#main">${locale === 'en' ? 'Skip to content' : 'Przejdź do treści'}</a>
    <header class="top">
      <div class="brand"><strong>${t.appName}</strong> <span class="muted">${session.shop}</span></div>
      <nav aria-label=${t.navLabel}>${link('journeys')}${link('customer')}${link('tasks')}</nav>
      <div class="tools">
        <button type="button" class="link" lang=${locale === 'pl' ? 'en' : 'pl'} onClick=${() => setLocale(locale === 'pl' ? 'en' : 'pl')}>${t.otherLanguage}</button>
        <form method="post" action="/dashboard/sign-out"><input type="hidden" name="csrf" value=${session.csrf} /><button type="submit" class="secondary">${t.signOut}</button></form>
      </div>
    </header>
    <p class="status" role="status" aria-live="polite">${status}</p>
    <main id="main">${page}</main>
  <//>` as VNode;
}

render(html`<${App} />` as VNode, document.getElementById('app')!);
