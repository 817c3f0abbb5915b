/**
 * ISO 8601 timestamps for listing entries, as Date.prototype.toISOString writes them, without
 * its cost per entry: toISOString was about a tenth of a 1,000-key page's CPU. The part up to
 * the day ("2026-11-30T") is kept for the last day seen — keys listed together were mostly
 * written on the same day — and the time of day is formatted by hand.
 */

const DAY_MS = 86_400_000;
let cachedDay = Number.NaN;
let cachedDayPrefix = '';

export function isoTimestamp(date: Date): string {
  const ms = date.getTime();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay) {
    // An invalid date throws here as toISOString does; `slice(0, -13)` keeps the date of an
    // extended year (+275760-09-13T) too, as the time of day is always 13 characters.
    cachedDayPrefix = date.toISOString().slice(0, -13);
    cachedDay = day;
  }
  let rest = ms - day * DAY_MS; // 0 … DAY_MS - 1, also before 1970
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  const hours = (rest - minutes) / 60;
  return `${cachedDayPrefix}${two(hours)}:${two(minutes)}:${two(seconds)}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}
