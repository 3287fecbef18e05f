import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type Branding, ShopBrand } from '../functions/shared/branding.ts';
import { fields, ShopId } from '../functions/shared/config.ts';
import { parseCredential } from '../functions/ingest/signatures.ts';

/**
 * More shops for `npm start`, beside the default one: `KOSZYK_SHOPS` holds a JSON list, or names a
 * file holding one (`KOSZYK_SHOPS=local/shops.json`). Each shop has its id, the credentials that
 * select it and, optionally, the SMS number STOP replies to it arrive at:
 *
 *   [{ "id": "sklep-b", "apiKey": "key-b", "shopifySecret": "…", "wooSecret": "…", "stripeSecret": "…", "smsNumber": "+48500100200" }]
 *
 * and how its pages look: `name` (the data controller's name; the id when absent), `color`,
 * `logoUrl`, `url`, `privacyEmail`.
 */
export const LocalShop = z.strictObject({
  id: ShopId,
  apiKey: z.string().min(8).optional(),
  shopifySecret: z.string().min(8).optional(),
  wooSecret: z.string().min(8).optional(),
  stripeSecret: z.string().min(8).optional(),
  smsNumber: z.string().regex(/^\+\d{6,15}$/, 'an E.164 number such as +48500100200').optional(),
  name: fields.shopName.optional(),
  color: fields.shopColor.optional(),
  logoUrl: fields.shopLogoUrl.optional(),
  url: fields.shopUrl.optional(),
  privacyEmail: fields.privacyEmail.optional(),
});
export type LocalShop = z.infer<typeof LocalShop>;

export class ShopsConfigError extends Error {
  override name = 'ShopsConfigError';
}

/** The shops `KOSZYK_SHOPS` lists (inline JSON, or the path of a JSON file); none when unset. */
export function shopsFromEnv(env: Record<string, string | undefined> = process.env): LocalShop[] {
  const value = env['KOSZYK_SHOPS']?.trim();
  if (!value) return [];
  let text = value;
  if (!value.startsWith('[')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (e) {
      throw new ShopsConfigError(`KOSZYK_SHOPS: cannot read ${value}: ${(e as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ShopsConfigError('KOSZYK_SHOPS: not a JSON list of shops');
  }
  const parsed = z.array(LocalShop).safeParse(json);
  if (!parsed.success) throw new ShopsConfigError(`KOSZYK_SHOPS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export interface Credentials {
  apiKeys: string[];
  shopifySecrets: string[];
  wooSecrets: string[];
  stripeSecrets: string[];
}

/** Each shop's credentials as `shop::secret` entries, the form the ingest reads. */
export function shopCredentials(shops: readonly LocalShop[]): Credentials {
  const of = (pick: (s: LocalShop) => string | undefined) => shops.flatMap((s) => (pick(s) ? [`${s.id}::${pick(s)}`] : []));
  return { apiKeys: of((s) => s.apiKey), shopifySecrets: of((s) => s.shopifySecret), wooSecrets: of((s) => s.wooSecret), stripeSecrets: of((s) => s.stripeSecret) };
}

/** Every shop some credential selects, the default first: the shops scheduled runs and unattributed feedback reach. */
export function configuredShops(defaultShop: string, credentials: Credentials): string[] {
  const all = [...credentials.apiKeys, ...credentials.shopifySecrets, ...credentials.wooSecrets, ...credentials.stripeSecrets];
  return [...new Set([defaultShop, ...all.map((c) => parseCredential(c, defaultShop).tenant)])];
}

/** The default shop's brand and each listed shop's own (named by its id when it gives no name). */
export function localBranding(defaultBrand: ShopBrand, shops: readonly LocalShop[]): Branding {
  const brand = (s: LocalShop): ShopBrand => ({ name: s.name ?? s.id, color: s.color, logoUrl: s.logoUrl, url: s.url, privacyEmail: s.privacyEmail });
  return { default: defaultBrand, shops: Object.fromEntries(shops.map((s) => [s.id, brand(s)])) };
}

/** `npm start`'s default shop brand: SHOP_NAME, SHOP_COLOR, SHOP_LOGO_URL, SHOP_URL, PRIVACY_EMAIL, checked. */
export function brandFromEnv(env: Record<string, string | undefined> = process.env): ShopBrand {
  const parsed = ShopBrand.safeParse({
    name: env['SHOP_NAME'] ?? 'Sklep Testowy',
    color: env['SHOP_COLOR'] || undefined,
    logoUrl: env['SHOP_LOGO_URL'] || undefined,
    url: env['SHOP_URL'] || undefined,
    privacyEmail: env['PRIVACY_EMAIL'] || undefined,
  });
  if (parsed.success) return parsed.data;
  const names: Record<string, string> = { name: 'SHOP_NAME', color: 'SHOP_COLOR', logoUrl: 'SHOP_LOGO_URL', url: 'SHOP_URL', privacyEmail: 'PRIVACY_EMAIL' };
  throw new ShopsConfigError(parsed.error.issues.map((i) => `${names[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`).join('; '));
}
