import { z } from 'zod';

export const Locale = z.enum(['pl', 'en']);
export type Locale = z.infer<typeof Locale>;

export const LocalizedTemplate = z.strictObject({
  /** Required for e-mail; SMS and staff tasks use `text` alone. */
  subject: z.string().min(1).optional(),
  text: z.string().min(1),
  /** A body of one's own inside the shop's frame; without it the frame lays out `text`. */
  html: z.string().min(1).optional(),
  /** The message's main link, shown as a button in the HTML part (where the text carries the same link). */
  action: z.strictObject({ label: z.string().min(1), url: z.string().min(1) }).optional(),
});
export type LocalizedTemplate = z.infer<typeof LocalizedTemplate>;

/** One file per template, every supported locale side by side. */
export const TemplateFile = z.strictObject({ pl: LocalizedTemplate, en: LocalizedTemplate });
export type TemplateFile = z.infer<typeof TemplateFile>;

/** Maps a platform locale ("pl-PL", "en_GB", null) onto a template locale; Polish first. */
export function pickLocale(raw: string | null | undefined, fallback: Locale = 'pl'): Locale {
  const lang = (raw ?? '').toLowerCase().slice(0, 2);
  return lang === 'en' ? 'en' : lang === 'pl' ? 'pl' : fallback;
}
