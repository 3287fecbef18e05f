import { z } from 'zod';
import { ShopBrandsJson } from '../functions/shared/branding.ts';
import { fields } from '../functions/shared/config.ts';

/**
 * Regions inside the European Economic Area. Customer data (RODO/GDPR) stays in the EEA unless the
 * operator says otherwise: London and Zurich have adequacy decisions but are outside the EEA, so they
 * need the same explicit override as any other region.
 */
export const EEA_REGIONS = ['eu-central-1', 'eu-west-1', 'eu-west-3', 'eu-north-1', 'eu-south-1', 'eu-south-2'] as const;

/** Frankfurt: the closest region to Polish shops. cdk.json names it too (a test keeps them equal). */
export const DEFAULT_REGION = 'eu-central-1';

const hostname = z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, 'must be a domain name such as sklep.pl');
const text = z.string().trim().min(1);

/**
 * Everything an installation can set with `-c name=value` (or the `context` of cdk.json), checked
 * at synth with the schemas the functions check their environment with: a bad value fails
 * `cdk synth`, not the first request. Secrets are never settings: they live in Secrets Manager.
 */
export const EngineSettings = z.object({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-central-1').default(DEFAULT_REGION),
  allowRegionOutsideEea: z.enum(['true', 'false']).default('false'),
  /** Verified SES identity (a domain) that mail is sent from. */
  senderDomain: hostname.default('example.com'),
  fromEmail: fields.fromEmail.optional(),
  shopName: fields.shopName.default('Sklep'),
  shopUrl: fields.shopUrl.optional(),
  /** The shop's colour, logo and privacy address: e-mails and the customer pages (preferences, survey). */
  shopColor: fields.shopColor.optional(),
  shopLogoUrl: fields.shopLogoUrl.optional(),
  privacyEmail: fields.privacyEmail.optional(),
  /** Other shops' brands, JSON: { "shop-b": { "name": …, "color": …, "logoUrl": …, "url": …, "privacyEmail": … } }. */
  shopBrands: z.string().pipe(z.string().refine((v) => ShopBrandsJson.safeParse(v).success, 'must be a JSON object of shop id → { name, color, logoUrl, url, privacyEmail }')).optional(),
  publicUrl: fields.publicUrl.optional(),
  sendingHours: z.string().default('08:00-20:00').pipe(z.string().refine((v) => fields.sendingHours.safeParse(v).success, 'must be HH:MM-HH:MM, e.g. 08:00-20:00')),
  frequencyCapMax: fields.frequencyCapMax.default(3),
  frequencyCapDays: fields.frequencyCapDays.default(7),
  smsDailyCap: fields.smsDailyCap.default(1000),
  smsTransliterate: fields.smsTransliterate,
  /** End User Messaging origination identity: a phone number, pool or sender id ARN or id. */
  smsOriginationIdentity: text.optional(),
  /** The name of the End User Messaging configuration set the stack makes (its event destination sends SMS delivery events to the feedback topic). @default generated */
  smsConfigurationSet: text.optional(),
  /** The shops this installation serves, comma-separated (the tenants of `shop::secret` credentials): each gets the scheduled runs, and feedback naming no shop applies to all. */
  shops: fields.shops.default(['default']),
  /** Inbound SMS numbers of shops that have their own, `+48500100200=shop-b,…`: a STOP sent to one is that shop's alone. */
  smsShopNumbers: text.optional(),
  /** Publish and count SES open events (a tracking pixel: unreliable, privacy proxies open every message). */
  trackOpens: z.enum(['true', 'false']).default('false'),
  /** Subscribed to the operators' alarm topic. */
  alarmEmail: z.email().optional(),
  namePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,20}$/, 'must be lower-case letters, digits and dashes').default('koszyk'),
});
export type EngineSettings = z.infer<typeof EngineSettings>;

export class SettingsError extends Error {
  override name = 'SettingsError';
}

/** Reads the settings from context values (strings from `-c`, any JSON value from cdk.json). */
export function readSettings(get: (name: string) => unknown): EngineSettings {
  const raw = Object.fromEntries(
    Object.keys(EngineSettings.shape)
      .map((k) => [k, get(k)] as const)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
  );
  const parsed = EngineSettings.safeParse(raw);
  if (!parsed.success) {
    throw new SettingsError(parsed.error.issues.map((i) => `-c ${i.path.join('.')}=${JSON.stringify(raw[String(i.path[0])] ?? '')}: ${i.message}`).join('\n'));
  }
  const s = parsed.data;
  if (!(EEA_REGIONS as readonly string[]).includes(s.region) && s.allowRegionOutsideEea !== 'true') {
    throw new SettingsError(
      `-c region=${s.region}: outside the European Economic Area; customer data must stay in the EEA (RODO). Choose one of ${EEA_REGIONS.join(', ')}, or pass -c allowRegionOutsideEea=true if your data-protection assessment allows it.`,
    );
  }
  return s;
}
