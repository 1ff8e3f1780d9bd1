/**
 * Retention of a cluster's archives, as a pure rule (so it is tested without files or clocks). IBM asks for
 * two years of snapshots; the rule errs towards keeping:
 *
 * - **A clock in the past of the evidence pauses it.** While any archive is dated after the clock (more than
 *   {@link FUTURE_TOLERANCE_MS}), nothing is removed: either the clock went back, or a file is misdated; both
 *   need a person, and neither is a reason to delete.
 * - **A clock ahead of the evidence does not age it.** Age is measured from the earlier of the clock and the
 *   newest good archive's evidence time (its snapshot time, or the end of the last day it has data for when
 *   that is earlier); only archives with daily data count: one download under a clock two years fast, with or
 *   without rows, removes nothing.
 * - An archive is kept while it is younger than `keep_for`, while it is among the newest `keep` good archives
 *   with daily data, while it is still the newest source of any day inside `keep_for`, and while its verdict
 *   is not known yet.
 */

/** How far in the future of the clock an archive may be dated before it counts as misdated. */
export const FUTURE_TOLERANCE_MS = 10 * 60_000

const DAY_MS = 86_400_000

/** Retention settings of a cluster. */
export interface Retention {
  /** Archives younger than this are never removed. */
  keepForMs: number
  /** The newest this many good archives are kept whatever their age. */
  keep: number
}

/** What retention knows of one archive (from the evidence index). */
export interface RetainedArchive {
  name: string
  takenMs: number
  /** `good`: its data is in use; `refused`: unreadable; `quarantined`: dated in the future; `pending`: not read yet. */
  state: 'good' | 'refused' | 'quarantined' | 'pending'
  /** The last day (`YYYY-MM-DD`) this archive is the newest source of; undefined when it is of none. */
  lastWonDay: string | undefined
  /** The end of the last day it holds data for, as Unix ms (good archives with rows; undefined without). */
  dataEndMs: number | undefined
}

/** What retention decided. */
export type RetentionPlan = { remove: string[], cutoffMs: number } | { remove: [], paused: string }

/** Decide which archives go. Pure. */
export function retentionPlan (archives: readonly RetainedArchive[], retention: Retention, nowMs: number): RetentionPlan {
  const future = archives.filter(a => a.takenMs > nowMs + FUTURE_TOLERANCE_MS).sort((a, b) => b.takenMs - a.takenMs)[0]
  if (future !== undefined) {
    return { remove: [], paused: `${future.name} is dated after the clock (${new Date(nowMs).toISOString()}): retention is paused until the clock passes it or the file is moved away` }
  }
  // Only archives with daily data are evidence of what time it is (an empty snapshot under a fast clock is not).
  const good = archives.filter(a => a.state === 'good' && a.dataEndMs !== undefined).sort((a, b) => b.takenMs - a.takenMs)
  if (good.length === 0) return { remove: [], paused: 'no archive with daily data has been read yet' }
  const evidenceMs = Math.max(...good.map(a => Math.min(a.takenMs, a.dataEndMs!)))
  const cutoffMs = Math.min(nowMs, evidenceMs) - retention.keepForMs
  const cutoffDay = new Date(cutoffMs).toISOString().slice(0, 10)
  const protectedNewest = new Set(good.slice(0, retention.keep).map(a => a.name))
  const remove = archives.filter(a =>
    a.takenMs < cutoffMs &&
    (a.state === 'good' || a.state === 'refused') &&
    !protectedNewest.has(a.name) &&
    (a.lastWonDay === undefined || a.lastWonDay < cutoffDay)).map(a => a.name).sort()
  return { remove, cutoffMs }
}

/** End of a `YYYY-MM-DD` day (exclusive), as Unix ms. */
export function dayEndMs (day: string): number {
  return Date.parse(`${day}T00:00:00Z`) + DAY_MS
}
