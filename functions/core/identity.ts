import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { z } from 'zod';
import { memo } from '../../workflows/src/memo.ts';

/**
 * The one rule for telling that two addresses are the same person's: every lookup by address
 * (customer ids, phone references, the suppression list) goes through it, so an address written
 * one way can never slip past a suppression written another way.
 */
export type AddressChannel = 'email' | 'sms';

/** Numbers written without a country code are Polish unless the platform says otherwise. */
export const DEFAULT_PHONE_REGION = 'PL' as const;

export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** Digits and a leading plus: what is left of a number libphonenumber cannot make sense of. */
function phoneDigits(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

function validPhone(text: string) {
  try {
    const parsed = parsePhoneNumberFromString(text, DEFAULT_PHONE_REGION);
    return parsed?.isValid() ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Numbers whose reading is kept: a run meets the same customers' numbers at every step. */
const PHONES_KEPT = 10_000;

/** The raw text first (it may carry an extension), then its digits alone. */
const parsePhone = memo(PHONES_KEPT, (phone: string) => validPhone(phone) ?? validPhone(phoneDigits(phone)));

/**
 * E.164 for every number libphonenumber (full metadata, region PL when no country code is
 * given) finds valid: "600 100 200", "0048600100200" and "+48 600-100-200" are all
 * "+48600100200". A number it cannot validate keeps its digits (and a leading plus), so it is
 * still one stable key, and its sends are suppressed (`invalid_address`) instead of the event
 * being refused. Idempotent: every result normalises to itself.
 */
export function normalisePhone(phone: string): string {
  return parsePhone(phone)?.number ?? phoneDigits(phone);
}

/** A number normalisePhone makes E.164 of. */
export function isValidPhone(phone: string): boolean {
  return parsePhone(phone) !== undefined;
}

/**
 * Whether an SMS can reach the number: MOBILE, or FIXED_LINE_OR_MOBILE where the numbering plan
 * does not tell the two apart (the United States, Canada), so those countries still get SMS.
 * Landlines, toll-free, premium-rate, shared-cost, VoIP and pager numbers are `not_mobile`.
 */
export const smsReach = memo(PHONES_KEPT, (phone: string): 'mobile' | 'not_mobile' | 'invalid_address' => {
  const parsed = parsePhone(phone);
  if (!parsed) return 'invalid_address';
  const type = parsed.getType();
  return type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE' ? 'mobile' : 'not_mobile';
});

/** The pattern z.email() checks with (its only check besides being a string), tested directly: asked at every send. */
const EMAIL_SYNTAX = z.email().def.pattern ?? z.regexes.email;

/** Whether a mail provider would take the address at all (platforms may hand over anything). */
export function isDeliverableEmail(email: string): boolean {
  EMAIL_SYNTAX.lastIndex = 0;
  return typeof email === 'string' && EMAIL_SYNTAX.test(email);
}

export function normaliseAddress(channel: AddressChannel, address: string): string {
  return channel === 'email' ? normaliseEmail(address) : normalisePhone(address);
}
