import { z } from 'zod';
import { shopColor } from '../../workflows/src/email-html.ts';
import { ConfigurationError, fields, type IngestEnv, ShopId } from './config.ts';

/**
 * How a shop presents itself to its customers on the pages the engine serves (unsubscribe,
 * preferences, survey) and in its e-mails: its name (also the data controller's name on the
 * privacy notice), colour, logo, site and the address for privacy questions. One brand for the
 * installation's default shop, and one per other shop in a multi-shop installation.
 */
export const ShopBrand = z.strictObject({
  name: fields.shopName,
  /** #rrggbb; darkened on the pages when white text on it would be hard to read. */
  color: fields.shopColor.optional(),
  logoUrl: fields.shopLogoUrl.optional(),
  url: fields.shopUrl.optional(),
  privacyEmail: fields.privacyEmail.optional(),
});
export type ShopBrand = z.infer<typeof ShopBrand>;

/** Other shops' brands by shop id, as JSON (SHOP_BRANDS, `-c shopBrands=…`, KOSZYK_SHOPS locally). */
export const ShopBrandsJson = z.string().transform((v, ctx) => {
  let json: unknown;
  try {
    json = JSON.parse(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of shop id → { name, color, logoUrl, url, privacyEmail }' });
    return z.NEVER;
  }
  const parsed = z.record(ShopId, ShopBrand).safeParse(json);
  if (!parsed.success) {
    for (const i of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `${i.path.join('.')}: ${i.message}` });
    return z.NEVER;
  }
  return parsed.data;
});

export interface Branding {
  /** The installation's default shop. */
  default: ShopBrand;
  /** Other shops, by shop id. */
  shops?: Readonly<Record<string, ShopBrand>>;
}

/** The brand of a shop: its own, or the default one's for a shop without. */
export function brandOf(branding: Branding, tenant: string): ShopBrand {
  return branding.shops?.[tenant] ?? branding.default;
}

/** The shop's colour as the pages use it: for white text on it and for it on white, at least 4.5:1. */
export function accentOf(brand: Pick<ShopBrand, 'color'>): string {
  return shopColor(brand.color);
}

/** The brands an ingest function's environment configures; a bad SHOP_BRANDS fails the cold start, naming what is wrong. */
export function brandingFromEnv(env: Pick<IngestEnv, 'SHOP_NAME' | 'SHOP_URL' | 'SHOP_COLOR' | 'SHOP_LOGO_URL' | 'PRIVACY_EMAIL' | 'SHOP_BRANDS'>): Branding {
  const shops = env.SHOP_BRANDS === undefined ? undefined : ShopBrandsJson.safeParse(env.SHOP_BRANDS);
  if (shops && !shops.success) throw new ConfigurationError(`invalid configuration: SHOP_BRANDS: ${shops.error.issues.map((i) => i.message).join('; ')}`);
  const brand: ShopBrand = { name: env.SHOP_NAME, url: env.SHOP_URL, color: env.SHOP_COLOR, logoUrl: env.SHOP_LOGO_URL, privacyEmail: env.PRIVACY_EMAIL };
  return { default: brand, shops: shops?.data };
}
