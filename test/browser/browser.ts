import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { contrastRatio } from '../../workflows/src/contrast.ts';

/**
 * Browser tests drive the system's Chromium (Debian's `chromium` package; CI installs it) through
 * playwright-core: no browser is downloaded.
 */

export const SCREENSHOTS = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshots');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 860 };

function chromiumPath(): string {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // Try the next name.
    }
  }
  throw new Error('no chromium on PATH: install the distribution package (apt-get install chromium)');
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
}

/** A page of its own context at the given size, and the errors it reports: a Content-Security-Policy violation, a script error. */
export async function openPage(browser: Browser, viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, locale: 'pl-PL', reducedMotion: 'reduce' });
  const page = await context.newPage();
  const problems: string[] = [];
  // Errors of the page itself (a script error, a policy violation); an answer's 4xx is the test's to check.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  return { page, problems };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, animations: 'disabled' });
}

/** rgb(…) as #rrggbb. */
function hex(rgb: string): string {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).map(Number);
  return `#${[r, g, b].map((c) => Math.round(c ?? 0).toString(16).padStart(2, '0')).join('')}`;
}

/**
 * Run in the page: the DOM's types are not part of this (Node) project's compilation, so what the
 * browser evaluates is written as source text.
 */
async function inPage<T>(page: Page, source: string): Promise<T> {
  return (await page.evaluate(source)) as T;
}

/** The contrast of an element's text against its own background, as the browser computed both. */
export async function textContrast(page: Page, selector: string): Promise<number> {
  const { color, background } = await inPage<{ color: string; background: string }>(
    page,
    `(() => { const s = getComputedStyle(document.querySelector(${JSON.stringify(selector)})); return { color: s.color, background: s.backgroundColor }; })()`,
  );
  return contrastRatio(hex(color), hex(background));
}

/** What the focused element is and whether a focus ring is drawn around it. */
export async function focused(page: Page): Promise<{ tag: string; text: string; ring: boolean }> {
  return inPage(
    page,
    `(() => {
      const el = document.activeElement;
      const s = el ? getComputedStyle(el) : undefined;
      return { tag: el ? el.tagName.toLowerCase() : '', text: ((el && el.textContent) || '').trim() || (el && el.getAttribute('name')) || '', ring: !!s && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 };
    })()`,
  );
}

/** Whether the page scrolls sideways (it should not, at any width). */
export async function overflowsSideways(page: Page): Promise<boolean> {
  return inPage(page, 'document.documentElement.scrollWidth > window.innerWidth');
}

/** Whether the image named `alt` loaded (its natural width is known only then). */
export async function imageLoaded(page: Page, alt: string): Promise<boolean> {
  return inPage(page, `[...document.images].some((i) => i.alt === ${JSON.stringify(alt)} && i.complete && i.naturalWidth > 0)`);
}

/** Serves a logo, as a shop's CDN would. */
export async function logoServer(): Promise<{ url: string; server: Server }> {
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="40" viewBox="0 0 150 40"><rect width="40" height="40" rx="8" fill="#b8860b"/><text x="50" y="27" font-family="sans-serif" font-size="18" font-weight="700" fill="#1f1f1f">Żuraw</text></svg>';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'image/svg+xml', 'cache-control': 'max-age=3600' });
    res.end(svg);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address() as { port: number };
  return { url: `http://127.0.0.1:${address.port}/logo.svg`, server };
}
