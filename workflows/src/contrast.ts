/**
 * Colour contrast as WCAG 2.x defines it: a shop's colour is used for buttons (white text on it)
 * and links (it on white), so it must reach 4.5:1 against white, the level for normal text. A
 * colour that does not is darkened, keeping its hue, until it does. Pure: no I/O.
 */

/** The contrast normal-size text needs (WCAG 2.x, level AA). */
export const MIN_TEXT_CONTRAST = 4.5;

const HEX = /^#([0-9a-f]{6})$/i;

type Rgb = [number, number, number];

function rgbOf(color: string): Rgb {
  const m = HEX.exec(color);
  if (!m) throw new Error(`not a #rrggbb colour: ${color}`);
  const n = Number.parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function hexOf([r, g, b]: Rgb): string {
  return `#${[r, g, b].map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;
}

/** Relative luminance of a #rrggbb colour, 0 (black) to 1 (white). */
export function luminance(color: string): number {
  const [r, g, b] = rgbOf(color).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two colours, 1 to 21, whichever is lighter. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

/**
 * The colour to use where `color` is wanted against `against` (white by default): itself when the
 * contrast is enough, else the same hue darkened step by step until it is (black always is).
 */
export function readableColor(color: string, against = '#ffffff', min = MIN_TEXT_CONTRAST): string {
  if (contrastRatio(color, against) >= min) return color.toLowerCase();
  const rgb = rgbOf(color);
  for (let keep = 0.95; keep > 0; keep -= 0.05) {
    const darker = hexOf(rgb.map((c) => c * keep) as Rgb);
    if (contrastRatio(darker, against) >= min) return darker;
  }
  return '#000000';
}
