/**
 * Vendor timestamps to Unix seconds. Accepts ISO 8601 (with or without milliseconds or zone), a bare date
 * (taken as UTC midnight), and epoch milliseconds as number or digit string (10-digit values as seconds).
 * Anything else gives `undefined`: an absent series, never a made-up time.
 */
export function toUnixSeconds (value: string | number | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value === 'string') {
    // Vendors repeat the same few dates in every record (e.g. IBM's peak dates): parse each once.
    let hit = parsedDates.get(value)
    if (hit === undefined && !parsedDates.has(value)) {
      hit = parseTime(value)
      if (parsedDates.size >= MAX_REMEMBERED_DATES) parsedDates.clear()
      parsedDates.set(value, hit)
    }
    return hit
  }
  return parseTime(value)
}

const MAX_REMEMBERED_DATES = 4096
const parsedDates = new Map<string, number | undefined>()

/** The last second of year 9999: later times are no dates (a `Date` of them cannot be printed). */
const MAX_SECONDS = 253_402_300_799

function parseTime (value: string | number): number | undefined {
  if (typeof value === 'number' || /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) return undefined
    const seconds = n < 1e11 ? n : n / 1000
    return seconds <= MAX_SECONDS ? seconds : undefined
  }
  const text = value.trim()
  if (text === '' || !realCalendarDay(text)) return undefined
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text
  const ms = Date.parse(iso)
  return Number.isNaN(ms) || ms / 1000 > MAX_SECONDS ? undefined : ms / 1000
}

/** Whether a text that starts with `YYYY-MM-DD` names a real day (Date.parse rolls 2026-02-30 over to March 2). */
function realCalendarDay (text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text)
  if (m === null) return true
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const day = new Date(Date.UTC(y, mo - 1, d))
  return day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d
}

/** Unix ms as an ISO 8601 string, or null when unknown (the JSON APIs' form of a time). */
export function isoOrNull (ms: number | undefined): string | null {
  return ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 ? null : new Date(ms).toISOString()
}

/** Unix seconds as a `YYYY-MM-DD` date (UTC), or null when unknown. */
export function dateOrNull (seconds: number | undefined): string | null {
  const iso = isoOrNull(seconds === undefined ? undefined : seconds * 1000)
  return iso === null ? null : iso.slice(0, 10)
}
