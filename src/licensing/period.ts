/**
 * The report window: `from` and `to` (`YYYY-MM-DD`, inclusive, UTC), or `period` (`2026-Q3`, `2026-09`,
 * `2026`), or neither (the current calendar quarter to date). Pure: the caller passes the clock. Errors are
 * values naming the parameter, ready for a 400 answer or a command-line message.
 */
import { isLeapYear, isoDate } from './daily.js'

/** An inclusive window of UTC days, both ends `YYYY-MM-DD`, `from <= to`. */
export interface ReportWindow {
  from: string
  to: string
}

/** The parameter a window error is about. */
export type WindowParam = 'from' | 'to' | 'period'

/** A parsed window, or which parameter is wrong and why. */
export type WindowResult = { ok: true, window: ReportWindow } | { ok: false, param: WindowParam, message: string }

/** Longest window accepted, in days (three years: IBM keeps two years of data). */
export const MAX_WINDOW_DAYS = 1096

const DAY_MS = 86_400_000

/** The UTC day of an instant, `YYYY-MM-DD`. */
export function dayOf (ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

/** Midnight UTC of a `YYYY-MM-DD` day, in ms. */
export function dayStartMs (day: string): number {
  return Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)))
}

/** A `YYYY-MM-DD` day as whole days since 1970-01-01 (the evidence index's day numbers). */
export function dayNumber (day: string): number {
  return Math.round(dayStartMs(day) / DAY_MS)
}

/** A day number as `YYYY-MM-DD`. */
export function dayOfNumber (n: number): string {
  return dayOf(n * DAY_MS)
}

/** Every day of a window, in order. */
export function daysOf (window: ReportWindow): string[] {
  const out: string[] = []
  for (let t = dayStartMs(window.from), end = dayStartMs(window.to); t <= end; t += DAY_MS) out.push(dayOf(t))
  return out
}

/** Number of days in a window (inclusive). */
export function windowDays (window: ReportWindow): number {
  return Math.round((dayStartMs(window.to) - dayStartMs(window.from)) / DAY_MS) + 1
}

/** The calendar quarter holding `nowMs`, from its first day up to that day (UTC). */
export function quarterToDate (nowMs: number): ReportWindow {
  const d = new Date(nowMs)
  const q = Math.floor(d.getUTCMonth() / 3)
  return { from: isoDate(d.getUTCFullYear(), q * 3 + 1, 1)!, to: dayOf(nowMs) }
}

/** Window parameters as they arrive (query string or flags); anything not a string is an error. */
export interface WindowParams {
  from?: unknown
  to?: unknown
  period?: unknown
}

/**
 * Parse the window parameters. `from` and `to` go together and are kept as given (a `to` after today just
 * leaves days without data: the report says it is incomplete). A `period` ends at the earlier of its last
 * day and today, so the current quarter, month or year reads "to date"; one starting after today is an
 * error. With no parameter: the current quarter to date. An empty value counts as given (and wrong).
 */
export function parseWindow (params: WindowParams, nowMs: number): WindowResult {
  const { from, to, period } = params
  const err = (param: WindowParam, message: string): WindowResult => ({ ok: false, param, message })
  for (const p of ['from', 'to', 'period'] as const) {
    const v = params[p]
    if (v !== undefined && typeof v !== 'string') return err(p, `${p}: give it once, as text`)
  }
  if (period !== undefined) {
    if (from !== undefined || to !== undefined) return err('period', 'period: give either period or from and to, not both')
    return parsePeriod(period as string, nowMs)
  }
  if (from === undefined && to === undefined) return { ok: true, window: quarterToDate(nowMs) }
  if (from === undefined) return err('from', 'from: required with to (YYYY-MM-DD)')
  if (to === undefined) return err('to', 'to: required with from (YYYY-MM-DD)')
  const f = parseDay(from as string)
  if (f === undefined) return err('from', `from: ${describe(from as string)} is not a date (want YYYY-MM-DD)`)
  const t = parseDay(to as string)
  if (t === undefined) return err('to', `to: ${describe(to as string)} is not a date (want YYYY-MM-DD)`)
  if (t < f) return err('to', `to: ${t} is before from ${f}`)
  const window = { from: f, to: t }
  if (windowDays(window) > MAX_WINDOW_DAYS) return err('to', `to: the window ${f}..${t} is longer than ${MAX_WINDOW_DAYS} days`)
  return { ok: true, window }
}

/** `YYYY-MM-DD` (a real calendar day, year 1970 or later), else undefined. */
export function parseDay (text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim())
  if (m === null || Number(m[1]) < 1970) return undefined
  return isoDate(Number(m[1]), Number(m[2]), Number(m[3]))
}

function parsePeriod (text: string, nowMs: number): WindowResult {
  const t = text.trim()
  let window: ReportWindow | undefined
  let m: RegExpExecArray | null
  // A year before 1970 names no period (and no date the index holds): refused below, before any date is made.
  if (/^(\d{4})/.test(t) && Number(t.slice(0, 4)) < 1970) m = null
  else if ((m = /^(\d{4})-[Qq]([1-4])$/.exec(t)) !== null) {
    const y = Number(m[1])
    const q = Number(m[2])
    const last = q * 3
    window = { from: isoDate(y, last - 2, 1)!, to: isoDate(y, last, last === 6 || last === 9 ? 30 : 31)! }
  } else if ((m = /^(\d{4})-(\d{2})$/.exec(t)) !== null) {
    const y = Number(m[1])
    const mo = Number(m[2])
    if (mo >= 1 && mo <= 12) {
      const days = mo === 2 ? (isLeapYear(y) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!
      window = { from: isoDate(y, mo, 1)!, to: isoDate(y, mo, days)! }
    }
  } else if ((m = /^(\d{4})$/.exec(t)) !== null) {
    const y = Number(m[1])
    window = { from: isoDate(y, 1, 1)!, to: isoDate(y, 12, 31)! }
  }
  if (window === undefined || window.from === undefined || window.to === undefined) {
    return { ok: false, param: 'period', message: `period: ${describe(text)} is not a period (want YYYY-Qn, YYYY-MM or YYYY, e.g. 2026-Q3)` }
  }
  const today = dayOf(nowMs)
  if (window.from > today) return { ok: false, param: 'period', message: `period: ${t} starts after today (${today})` }
  if (window.to > today) window.to = today
  return { ok: true, window }
}

function describe (text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)
}
