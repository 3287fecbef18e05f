import { z } from 'zod';
import { parseSendingHours } from '../../workflows/src/quiet-hours.ts';

/** Reads configuration once, typed, and fails loudly naming every missing or bad variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

/**
 * The ingest function's time limit: API Gateway's HTTP API waits up to 30 s for it, and a Step
 * Functions call that hangs is cut by the client's time limits well before.
 */
export const INGEST_TIMEOUT_SECONDS = 25;

/**
 * How long an attempt holds an event before another may apply it again: comfortably above the
 * ingest's time limit, so a running attempt is never overtaken, and short enough that the platform's
 * retry after a killed one (out of memory, a timeout) applies the event rather than waiting for ever.
 */
export const EVENT_LEASE_SECONDS = 4 * INGEST_TIMEOUT_SECONDS;

/** The segment selection's time limit (a day's partition, 500 customers a page). */
export const SEGMENT_TIMEOUT_SECONDS = 900;

/** How long a scheduled run holds its shop and day: above the selection's time limit, as for events. */
export const SEGMENT_LEASE_SECONDS = SEGMENT_TIMEOUT_SECONDS + 300;

const sendingHours = z
  .string()
  .default('08:00-20:00')
  .transform((v, ctx) => {
    try {
      return parseSendingHours(v);
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return z.NEVER;
    }
  });

/** Journey id → state machine ARN, as JSON. */
const StateMachineArns = z.string().transform((v, ctx) => {
  try {
    return z.record(z.string(), z.string()).parse(JSON.parse(v));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of journey id → state machine ARN' });
    return z.NEVER;
  }
});

const secretArn = z.string().regex(/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$/, 'must be a Secrets Manager secret ARN');

/**
 * A shop's id (the tenant of `tenant::secret` credentials): letters, digits, `_` and `-`, so it can
 * travel as an SES message tag and an SMS context value, which allow nothing else.
 */
export const ShopId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a shop id is 1-64 letters, digits, _ or -');

/** The configured shops, comma-separated: those scheduled runs select for and unattributable feedback applies to. */
const shopList = z
  .string()
  .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
  .pipe(z.array(ShopId).min(1, 'name at least one shop'));

/** Shop-facing settings: the same schemas check CDK props at synth and the functions' environment. */
export const fields = {
  shopName: z.string().trim().min(1).max(100),
  /** The shop's own site: where links go when a platform gave none (a cart, an invoice). */
  shopUrl: z.url({ protocol: /^https?$/ }),
  /** Where customers' links (unsubscribe, survey) point: the API's public address. */
  publicUrl: z.url({ protocol: /^https?$/ }),
  fromEmail: z.email(),
  sendingHours,
  frequencyCapMax: z.coerce.number().int().min(1).max(50),
  frequencyCapDays: z.coerce.number().int().min(1).max(90),
  smsDailyCap: z.coerce.number().int().min(0).max(1_000_000),
  smsTransliterate: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  shops: shopList,
  /** The shop's colour (#rrggbb): e-mail buttons, the customer pages. */
  shopColor: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour such as #1d5c4d'),
  /** The shop's logo on the customer pages (an image anyone may load). */
  shopLogoUrl: z.url({ protocol: /^https?$/ }).max(2048),
  /** Where customers write about their personal data; named in the privacy notice. */
  privacyEmail: z.email(),
};

/** The shops of an installation: SHOPS when set, else the one default shop. */
const Shops = { TENANT_ID: z.string().min(1).default('default'), SHOPS: shopList.optional() };
export function shopsOf(env: { TENANT_ID: string; SHOPS?: string[] }): string[] {
  return env.SHOPS ?? [env.TENANT_ID];
}

export const IngestEnv = z.object({
  TABLE_NAME: z.string().min(1),
  TENANT_ID: z.string().min(1).default('default'),
  API_KEYS_SECRET_ARN: secretArn,
  SHOPIFY_SECRET_ARN: secretArn,
  WOOCOMMERCE_SECRET_ARN: secretArn,
  STRIPE_SECRET_ARN: secretArn,
  UNSUBSCRIBE_SECRET_ARN: secretArn,
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(262_144),
  CONTENT_DIR: z.string().optional(),
  SENDING_HOURS: sendingHours,
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  STATE_MACHINE_ARNS: StateMachineArns,
  /** The default shop's brand on the customer pages (functions/shared/branding.ts). */
  SHOP_NAME: fields.shopName.default('Sklep'),
  SHOP_URL: fields.shopUrl.optional(),
  SHOP_COLOR: fields.shopColor.optional(),
  SHOP_LOGO_URL: fields.shopLogoUrl.optional(),
  PRIVACY_EMAIL: fields.privacyEmail.optional(),
  /** Other shops' brands, JSON: { "shop-b": { "name": …, "color": …, "logoUrl": …, "url": …, "privacyEmail": … } }. */
  SHOP_BRANDS: z.string().optional(),
});
export type IngestEnv = z.infer<typeof IngestEnv>;

export const SegmentEnv = z.object({
  TABLE_NAME: z.string().min(1),
  SENDING_HOURS: sendingHours,
  ...Shops,
  CONTENT_DIR: z.string().optional(),
  STATE_MACHINE_ARNS: StateMachineArns,
});

export type SegmentEnv = z.infer<typeof SegmentEnv>;

export const FeedbackEnv = z.object({
  TABLE_NAME: z.string().min(1),
  ...Shops,
  /** Count SES open events (only when the configuration set publishes them: unreliable, privacy proxies open every message). */
  COUNT_OPENS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** Inbound SMS numbers of shops that have their own, as `+48500100200=shop-b,…`: a STOP to one is that shop's. */
  SMS_SHOP_NUMBERS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const map: Record<string, string> = {};
      for (const pair of (v ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
        const [number, shop] = pair.split('=').map((x) => x.trim());
        if (!number || !shop || !ShopId.safeParse(shop).success) {
          ctx.addIssue({ code: 'custom', message: 'must be number=shop pairs, comma-separated' });
          return z.NEVER;
        }
        map[number] = shop;
      }
      return map;
    }),
});
export type FeedbackEnv = z.infer<typeof FeedbackEnv>;

export const StepEnv = z.object({
  TABLE_NAME: z.string().min(1),
  FROM_EMAIL: fields.fromEmail,
  SHOP_NAME: fields.shopName,
  SHOP_URL: fields.shopUrl.optional(),
  SHOP_COLOR: fields.shopColor.optional(),
  PUBLIC_URL: fields.publicUrl,
  UNSUBSCRIBE_SECRET_ARN: secretArn,
  /** Signs journey graphs' webhook calls; without it a webhook node fails its step. */
  WEBHOOK_SECRET_ARN: secretArn.optional(),
  SES_CONFIGURATION_SET: z.string().optional(),
  CONTENT_DIR: z.string().optional(),
  EVENT_BUS_NAME: z.string().min(1),
  SMS_ORIGINATION_IDENTITY: z.string().optional(),
  SMS_CONFIGURATION_SET: z.string().optional(),
  SMS_TRANSLITERATE: fields.smsTransliterate,
  SMS_DAILY_CAP: fields.smsDailyCap.default(1000),
  SENDING_HOURS: sendingHours,
  FREQUENCY_CAP_MAX: fields.frequencyCapMax.default(3),
  FREQUENCY_CAP_DAYS: fields.frequencyCapDays.default(7),
});
export type StepEnv = z.infer<typeof StepEnv>;

export function readEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(
    `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}
