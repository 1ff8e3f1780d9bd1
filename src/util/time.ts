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

function parseTime (value: string | number): number | undefined {
  if (typeof value === 'number' || /^\s*\d+(\.\d+)?\s*$/.test(value)) {
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0) return undefined
    return n < 1e11 ? n : n / 1000
  }
  const text = value.trim()
  if (text === '') return undefined
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text
  const ms = Date.parse(iso)
  return Number.isNaN(ms) ? undefined : ms / 1000
}

/** Unix ms as an ISO 8601 string, or null when unknown (the JSON APIs' form of a time). */
export function isoOrNull (ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString()
}

/** Unix seconds as a `YYYY-MM-DD` date (UTC), or null when unknown. */
export function dateOrNull (seconds: number | undefined): string | null {
  return seconds === undefined ? null : new Date(seconds * 1000).toISOString().slice(0, 10)
}
