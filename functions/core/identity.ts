/**
 * The one rule for telling that two addresses are the same person's: every lookup by address
 * (customer ids, phone references, the suppression list) goes through it, so an address written
 * one way can never slip past a suppression written another way.
 */
export type AddressChannel = 'email' | 'sms';

export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** Digits and a leading plus only: "+48 600-100-200" and "+48600100200" are one number. */
export function normalisePhone(phone: string): string {
  return phone.replace(/[^\d+]/g, '');
}

export function normaliseAddress(channel: AddressChannel, address: string): string {
  return channel === 'email' ? normaliseEmail(address) : normalisePhone(address);
}
