/**
 * One cluster's daily data from several archived snapshots: the newest archive covering a day gives all of
 * that day's rows. And the `/products` fallback records. Pure.
 */
import type { ProductUsage } from '../sources/entitlements.js'
import { dateOrNull } from '../util/time.js'
import type { DailyRow } from './daily.js'
import { daysOf, type ReportWindow } from './period.js'

/** The daily rows of one archived snapshot of one cluster. */
export interface DailyArchive {
  /** When the snapshot was taken (orders archives: the newest wins). */
  archiveTimeMs: number
  rows: readonly DailyRow[]
  /** Days the archive covers, when known from the snapshot itself; default: the days it has rows for. */
  coverage?: ReportWindow | undefined
}

/** A cluster's daily data after merging: covered day (`YYYY-MM-DD`) to that day's rows (maybe none). */
export type ClusterDaily = ReadonlyMap<string, readonly DailyRow[]>

/** Days an archive covers: every day of its `coverage`, else the days it has rows for; sorted. */
export function coveredDays (archive: DailyArchive): string[] {
  if (archive.coverage !== undefined) return daysOf(archive.coverage)
  return [...new Set(archive.rows.map(r => r.date))].sort()
}

/**
 * Merge one cluster's archives: for every day some archive covers, the rows of the newest archive covering
 * it (all of its rows for that day, none from older archives). Equal times keep the later list entry.
 */
export function mergeArchives (archives: readonly DailyArchive[]): Map<string, DailyRow[]> {
  const ordered = archives.map((a, i) => ({ a, i })).sort((x, y) => y.a.archiveTimeMs - x.a.archiveTimeMs || y.i - x.i)
  const out = new Map<string, DailyRow[]>()
  for (const { a } of ordered) {
    const days = coveredDays(a)
    const covered = new Set(days)
    const byDay = new Map<string, DailyRow[]>()
    for (const r of a.rows) {
      if (!covered.has(r.date)) continue
      const list = byDay.get(r.date)
      if (list === undefined) byDay.set(r.date, [r])
      else list.push(r)
    }
    for (const day of days) {
      if (!out.has(day)) out.set(day, byDay.get(day) ?? [])
    }
  }
  return out
}

/** A cluster's current `/products` record (the fallback): `unit` is the metric name, `peak_date` its day. */
export interface CurrentPeak extends ProductUsage {
  peak_date: string | null
}

/** A `/products` usage record with its peak as Unix seconds (as `productUsage()` gives it) to a {@link CurrentPeak}. */
export function currentPeak (u: ProductUsage & { peak?: number | undefined }): CurrentPeak {
  return { product: u.product, product_id: u.product_id, unit: u.unit, quantity: u.quantity, peak_date: dateOrNull(u.peak) }
}
