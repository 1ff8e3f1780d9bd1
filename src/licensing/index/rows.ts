/**
 * The rows of one archive into the tables, inside the caller's transaction: "newest archive wins" per day
 * (a day goes to this archive only when no newer archive of the cluster is its source already, and then
 * replaces what an older one gave), unreadable rows as unknown products and days, rows dated after the
 * snapshot refused, and the days the archive covers.
 */
import { parseDailyDate, type DailyRowError } from '../daily.js'
import { dayNumber } from '../period.js'
import { ALL_PRODUCTS } from '../report-builder.js'
import { readSnapshot, type ZipLimits, type ZipSource } from '../zip.js'
import type { ArchiveRecord, ArchiveRow, IndexStore } from './store.js'

/** Rows may be dated up to this long after the snapshot's UTC time (the cluster's day may be ahead of UTC). */
export const ZONE_SLACK_MS = 14 * 3_600_000
/** Most distinct unreadable (day, product) pairs kept per archive; beyond, every day it is the source of is unknown. */
const MAX_UNKNOWN = 100_000
/** Days before a snapshot's last day whose sources are read in one query (two years and some). */
const NEAR_DAYS = 800

/** The archive to read. */
export interface IngestTarget {
  cluster: number
  directory: string
  clusterName: string
  name: string
  takenMs: number
}

/** A snapshot that cannot be used, with the reason. */
export class Refusal extends Error {
  constructor (readonly reason: string, message: string) { super(message) }
}

/** The rows of an archive into the tables; only `onlyDays` when given. Throws a {@link Refusal} for a bad snapshot. */
export async function loadRows (store: IndexStore, source: ZipSource, t: IngestTarget, id: number, onlyDays: ReadonlySet<number> | undefined, limits: Partial<ZipLimits> | undefined) {
  const lastDay = dayNumber(new Date(t.takenMs + ZONE_SLACK_MS).toISOString().slice(0, 10))
  const decisions = new Map<number, boolean>()
  const coverage = new Set<number>()
  const refused: Record<string, number> = {}
  const unknownAt = new Set<string>()
  const unknownAll = new Set<number>()
  let everything = false
  let rows = 0
  // The current source of each day near this archive's, read once (days further back are looked up one by one).
  const near = onlyDays === undefined ? store.winners(t.cluster, lastDay - NEAR_DAYS, lastDay) : new Map<number, { id: number, taken_ms: number }>()
  const wins = (d: number): boolean => {
    let w = decisions.get(d)
    if (w === undefined) {
      const current = onlyDays !== undefined && !onlyDays.has(d) ? { id: -1, taken_ms: Infinity }
        : d >= lastDay - NEAR_DAYS && onlyDays === undefined ? near.get(d) : store.winner(t.cluster, d)
      w = current === undefined || current.id === id || current.taken_ms < t.takenMs
      if (w && current?.id !== id) store.claimDay(t.cluster, d, id, t.takenMs)
      decisions.set(d, w)
    }
    return w
  }
  const dayNumbers = new Map<string, number>()
  const dayOf = (date: string): number | undefined => {
    let d = dayNumbers.get(date)
    if (d === undefined) dayNumbers.set(date, (d = dayNumber(date)))
    if (d <= lastDay && d >= 0) return d
    refused.after_snapshot = (refused.after_snapshot ?? 0) + 1
    return undefined
  }
  const productOf = (e: DailyRowError): number =>
    e.productName === undefined || e.metric === undefined ? ALL_PRODUCTS : store.productId(e.productName, e.productId ?? '', e.metric)
  const read = await readSnapshot(source, {
    // A plain row of a day a newer archive is the source of only counts for coverage: it is not decoded.
    wanted (text) {
      const date = parseDailyDate(text)
      if (date === undefined) return true
      const d = dayOf(date)
      if (d === undefined) return false
      coverage.add(d)
      if (wins(d)) return true
      rows++
      return false
    },
    row (r) {
      const d = dayOf(r.date)
      if (d === undefined) return
      coverage.add(d)
      rows++
      if (wins(d)) store.addUsage(t.cluster, d, store.productId(r.productName, r.productId, r.metric), Math.round(r.value * 1e6))
    },
    badRow (e) {
      refused.unreadable = (refused.unreadable ?? 0) + 1
      const d = e.date === undefined ? undefined : dayOf(e.date)
      if (e.date !== undefined && d === undefined) return
      if (d === undefined) { unknownAll.add(productOf(e)); return }
      coverage.add(d)
      if (!wins(d)) return
      if (unknownAt.size < MAX_UNKNOWN) unknownAt.add(`${d}:${productOf(e)}`)
      else everything = true
    },
  }, limits)
  if (!read.ok) throw new Refusal(read.reason, read.message)
  if (everything) unknownAll.add(ALL_PRODUCTS)
  for (const k of unknownAt) { const [d, p] = k.split(':').map(Number) as [number, number]; store.addUnknown(t.cluster, d, p) }
  const claimed = new Set([...decisions].filter(([, w]) => w).map(([d]) => d))
  for (const d of claimed) for (const p of unknownAll) store.addUnknown(t.cluster, d, p)
  return { ...coverageOf(coverage), rows_read: rows, rows_refused: JSON.stringify(refused), cluster_id: read.info.dataCondition?.cluster ?? null, claimed }
}

/** The days an archive has rows for: first and last day, and a bitmap between them. */
function coverageOf (days: ReadonlySet<number>): Pick<ArchiveRecord, 'first_day' | 'last_day' | 'coverage'> {
  if (days.size === 0) return { first_day: null, last_day: null, coverage: null }
  let first = Infinity
  let last = -Infinity
  for (const d of days) { if (d < first) first = d; if (d > last) last = d }
  const bits = new Uint8Array(((last - first) >> 3) + 1)
  for (const d of days) bits[(d - first) >> 3]! |= 1 << ((d - first) & 7)
  return { first_day: first, last_day: last, coverage: bits }
}

/** Whether an indexed archive has rows for day `d`. */
export function coversDay (row: Pick<ArchiveRow, 'first_day' | 'last_day' | 'coverage'>, d: number): boolean {
  if (row.first_day === null || row.last_day === null || row.coverage === null || d < row.first_day || d > row.last_day) return false
  return ((row.coverage[(d - row.first_day) >> 3] ?? 0) & (1 << ((d - row.first_day) & 7))) !== 0
}
