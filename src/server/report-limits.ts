/**
 * Bounds of `/api/v1/report`: the size of one report (clusters x days of the window, at most
 * {@link MAX_CLUSTER_DAYS}: 5,000 clusters over three years), how many are computed at once
 * ({@link MAX_REPORTS_AT_ONCE}; more are answered 429 with `Retry-After`), and the answer streamed as it is
 * written (rows one by one, with backpressure), never one string of the whole report.
 */
import { Readable } from 'node:stream'
import { csvLines } from '../licensing/csv.js'
import type { PeriodReport } from '../licensing/period-report.js'

/** Most cluster-days (IBM clusters x days of the window) in one report. */
export const MAX_CLUSTER_DAYS = 6_000_000
/** Most reports computed at once. */
export const MAX_REPORTS_AT_ONCE = 2
/** What a refused report is told to wait, in seconds. */
export const REPORT_RETRY_AFTER_S = 10

/** A report over {@link MAX_CLUSTER_DAYS}. */
export class ReportTooLarge extends Error {}

/** Refuse a report of `clusters` x `days` over the bound. */
export function checkReportSize (clusters: number, days: number): void {
  if (clusters * days > MAX_CLUSTER_DAYS) {
    throw new ReportTooLarge(`a report of ${clusters} clusters over ${days} days is ${clusters * days} cluster-days, more than ${MAX_CLUSTER_DAYS}: ask for a shorter period`)
  }
}

/** Counts the reports being computed. */
export class ReportSlots {
  #running = 0

  /** Run `fn` when a slot is free now; undefined (run nothing) when every slot is taken. */
  async run<T> (fn: () => Promise<T>): Promise<T | undefined> {
    if (this.#running >= MAX_REPORTS_AT_ONCE) return undefined
    this.#running++
    try {
      return await fn()
    } finally {
      this.#running--
    }
  }
}

/** The report's JSON, streamed: the figures, then each cluster and each row as its own chunk. */
export function jsonStream (report: PeriodReport): Readable {
  return Readable.from(jsonChunks(report))
}

function * jsonChunks (report: PeriodReport): Generator<string> {
  const { clusters, rows, ...head } = report
  const opening = JSON.stringify(head)
  yield `${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}"clusters":[`
  for (let i = 0; i < clusters.length; i++) yield `${i === 0 ? '' : ','}${JSON.stringify(clusters[i])}`
  yield '],"rows":['
  for (let i = 0; i < rows.length; i++) yield `${i === 0 ? '' : ','}${JSON.stringify(rows[i])}`
  yield ']}\n'
}

/** The report's CSV, streamed line by line. */
export function csvStream (report: PeriodReport): Readable {
  return Readable.from(csvLines(report))
}
