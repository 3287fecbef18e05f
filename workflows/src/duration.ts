/** ISO-8601 durations limited to days, hours, minutes and seconds (PnDTnHnMnS, PnW). */
const PATTERN = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseDurationSeconds(text: string): number {
  const m = PATTERN.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) {
    throw new RangeError(`"${text}" is not an ISO-8601 duration such as PT1H, P3D or P1DT12H`);
  }
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return (((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 3600 + (min ?? 0) * 60 + (s ?? 0);
}

export function isDuration(text: string): boolean {
  try {
    parseDurationSeconds(text);
    return true;
  } catch {
    return false;
  }
}
