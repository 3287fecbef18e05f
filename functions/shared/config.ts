import { z } from 'zod';
import { parseSendingHours } from '../../workflows/src/quiet-hours.ts';

/** Reads configuration once, typed, and fails loudly naming every missing or bad variable. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

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

const list = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .refine((v) => v.length > 0, 'must hold at least one value');

/** Journey id → state machine ARN, as JSON. */
const StateMachineArns = z.string().transform((v, ctx) => {
  try {
    return z.record(z.string(), z.string()).parse(JSON.parse(v));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a JSON object of journey id → state machine ARN' });
    return z.NEVER;
  }
});

export const IngestEnv = z.object({
  TABLE_NAME: z.string().min(1),
  TENANT_ID: z.string().min(1).default('default'),
  API_KEYS: list,
  SHOPIFY_WEBHOOK_SECRETS: list,
  UNSUBSCRIBE_SECRET: z.string().min(16),
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(262_144),
  CONTENT_DIR: z.string().optional(),
  SENDING_HOURS: sendingHours,
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(1200),
  WOOCOMMERCE_WEBHOOK_SECRETS: list.optional(),
  STRIPE_WEBHOOK_SECRETS: list.optional(),
  STATE_MACHINE_ARNS: StateMachineArns,
});
export type IngestEnv = z.infer<typeof IngestEnv>;

export const SegmentEnv = z.object({
  TABLE_NAME: z.string().min(1),
  SENDING_HOURS: sendingHours,
  TENANT_ID: z.string().min(1).default('default'),
  CONTENT_DIR: z.string().optional(),
  STATE_MACHINE_ARNS: StateMachineArns,
});

export const StepEnv = z.object({
  TABLE_NAME: z.string().min(1),
  FROM_EMAIL: z.string().min(3),
  SHOP_NAME: z.string().min(1),
  PUBLIC_URL: z.url(),
  UNSUBSCRIBE_SECRET: z.string().min(16),
  SES_CONFIGURATION_SET: z.string().optional(),
  CONTENT_DIR: z.string().optional(),
  EVENT_BUS_NAME: z.string().min(1),
  SMS_ORIGINATION_IDENTITY: z.string().optional(),
  SMS_TRANSLITERATE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  SMS_DAILY_CAP: z.coerce.number().int().positive().default(1000),
  SENDING_HOURS: sendingHours,
  FREQUENCY_CAP_MAX: z.coerce.number().int().positive().default(3),
  FREQUENCY_CAP_DAYS: z.coerce.number().int().positive().default(7),
});
export type StepEnv = z.infer<typeof StepEnv>;

export function readEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined> = process.env): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw new ConfigurationError(
    `invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
  );
}
