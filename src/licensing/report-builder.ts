/**
 * IBM's multicluster figure computed cluster by cluster, so a report holds per product only one array of
 * daily sums over the window, whatever the number of clusters (see multicluster.ts for the rules). Pure: the
 * evidence index (or a test) feeds each cluster's covered days, unreadable days and rows of the window, then
 * {@link ReportBuilder.finish} answers the few per-cluster values on peak days through a callback.
 *
 * Products arrive as raw numbers (the index's product ids); a raw product's identity is name, id and metric.
 */
import type { Entitlement } from '../sources/entitlements.js'
import type { Identity } from './identity.js'
import type { CurrentPeak } from './merge.js'
import { daysOf, type ReportWindow } from './period.js'
import { finishReport, round, type Own, type Seen, type ValueOn } from './report-rows.js'
import type { MulticlusterReport } from './report-shape.js'

export { round, type ValueOn }

/** The raw product number that stands for every product (an unreadable row whose product is unknown). */
export const ALL_PRODUCTS = 0

/** One cluster's data in the window. */
export interface ClusterDays {
  cluster: string
  /** Per day of the window (by index): 1 when the cluster has daily data for it. */
  covered: Uint8Array
  /** Days (by index) with unreadable usage, and of which raw products ({@link ALL_PRODUCTS}: all of them). */
  unknown: ReadonlyMap<number, ReadonlySet<number>>
  /**
   * Its rows in the window: day, raw product, quantity; one per day and raw product (duplicates added up
   * before). The day index is `day - dayOffset` and the value `quantity * scale` (defaults 0 and 1), so the
   * index can hand over its rows as they come.
   */
  rows: Iterable<readonly [number, number, number]>
  dayOffset?: number
  scale?: number
  /** Its current `/products` peaks; used only when it covers no day of the window. */
  current: readonly CurrentPeak[]
}

/** Builds a {@link MulticlusterReport}; add every cluster, then finish. */
export class ReportBuilder {
  readonly #days: string[]
  readonly #identity: (raw: number) => Identity
  readonly #sums = new Map<number, Float64Array>()
  readonly #coveredAny: Uint8Array
  readonly #clusters: Seen[] = []

  constructor (window: ReportWindow, identity: (raw: number) => Identity) {
    this.#days = daysOf(window)
    this.#identity = identity
    this.#coveredAny = new Uint8Array(this.#days.length)
  }

  /** Days of the window. */
  get days (): readonly string[] { return this.#days }

  /** Add one cluster's data. */
  add (c: ClusterDays): void {
    const n = this.#days.length
    const missing: number[] = []
    let firstCovered = -1
    for (let d = 0; d < n; d++) {
      if (c.covered[d] === 1) {
        this.#coveredAny[d] = 1
        if (firstCovered < 0) firstCovered = d
      } else missing.push(d)
    }
    const unknownAll: number[] = []
    const unknownBy = new Map<number, number[]>()
    for (const [d, raws] of c.unknown) {
      if (c.covered[d] !== 1) continue
      for (const raw of raws) {
        if (raw === ALL_PRODUCTS) unknownAll.push(d)
        else unknownBy.set(raw, [...(unknownBy.get(raw) ?? []), d])
      }
    }
    const isUnknown = (d: number, raw: number): boolean => {
      const u = c.unknown.get(d)
      return u !== undefined && (u.has(ALL_PRODUCTS) || u.has(raw))
    }
    const own = new Map<number, Own>()
    const offset = c.dayOffset ?? 0
    const scale = c.scale ?? 1
    for (const [day, raw, quantity] of c.rows) {
      const d = day - offset
      const value = quantity * scale
      if (c.covered[d] !== 1) continue
      let o = own.get(raw)
      if (o === undefined) own.set(raw, (o = { peak: -1, day: -1 }))
      if (isUnknown(d, raw)) continue
      let sums = this.#sums.get(raw)
      if (sums === undefined) this.#sums.set(raw, (sums = new Float64Array(n)))
      sums[d] = sums[d]! + value
      if (value > o.peak || (value === o.peak && d < o.day)) { o.peak = value; o.day = d }
    }
    for (const [raw, o] of own) {
      if (o.peak > 0) continue
      // Only zeros (or only unreadable days): 0 on the first covered, readable day.
      let d = firstCovered
      while (d >= 0 && d < n && (c.covered[d] !== 1 || isUnknown(d, raw))) d++
      own.set(raw, { peak: 0, day: d >= 0 && d < n ? d : -1 })
    }
    unknownAll.sort((a, b) => a - b)
    this.#clusters.push({ cluster: c.cluster, covered: c.covered, missing, unknownAll, unknownBy, own, fallback: firstCovered < 0 ? c.current : undefined })
  }

  /** The report; `pending` archives not read yet make it incomplete. */
  finish (entitlements: readonly Entitlement[], valueOn: ValueOn, pending = 0): MulticlusterReport {
    return finishReport({ days: this.#days, identity: this.#identity, sums: this.#sums, coveredAny: this.#coveredAny, clusters: this.#clusters }, entitlements, valueOn, pending)
  }
}
