/**
 * Addresses as a page shows them: enough for the customer to recognise their own, too little for
 * anyone else the link reaches to learn it. `jan.kowalski@example.pl` → `j***@example.pl`,
 * `+48600100200` → `+48 ****** 200`.
 */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/[^\d+]/g, '');
  if (digits.length < 7) return '***';
  return `${digits.slice(0, 3)} ${'*'.repeat(digits.length - 6)} ${digits.slice(-3)}`;
}

export function maskAddress(channel: 'email' | 'sms', address: string): string {
  return channel === 'email' ? maskEmail(address) : maskPhone(address);
}
