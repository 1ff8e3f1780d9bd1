/**
 * The rows of one archive into the tables, inside the caller's transaction: "newest archive wins" per day
 * (a day goes to this archive only when no newer archive of the cluster is its source already, and then
 * replaces what an older one gave), unreadable rows as unknown products and days, rows dated after the
 * snapshot refused, and the days the archive covers.
 */
import { parseDailyDate, type DailyRow, type DailyRowError } from '../daily.js'
import { dayNumber } from '../period.js'
import { ALL_PRODUCTS } from '../report-builder.js'
import type { Vault } from '../../archive/store.js'
import { readSnapshot, type SnapshotSink, type ZipLimits, type ZipSource } from '../zip.js'
import type { ArchiveRecord, ArchiveRow, IndexStore } from './store.js'

/** Rows may be dated up to this long after the snapshot's UTC time (the cluster's day may be ahead of UTC). */
export const ZONE_SLACK_MS = 14 * 3_600_000
/** Most distinct unreadable (day, product) pairs kept per archive; beyond, every day it is the source of is unknown. */
const MAX_UNKNOWN = 100_000
/** Most products whose day is unreadable kept per archive; beyond, every product is unknown on its days. */
const MAX_UNKNOWN_PRODUCTS = 1000
/** Most distinct products and metrics in one snapshot: a real one holds tens; more refuses the snapshot. */
export const MAX_PRODUCTS = 10_000
/** Rows dated more than this many days before the snapshot are refused (License Service keeps 24 months). */
export const MAX_ROW_AGE_DAYS = 1096
/** Days before a snapshot's last day whose sources are read in one query (two years and some). */
const NEAR_DAYS = 800

/** The archive to read. */
export interface IngestTarget {
  /** The cluster's id in the index. */
  cluster: number
  vault: Vault
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
  const load = new ArchiveLoad(store, t, id, onlyDays)
  const read = await readSnapshot(source, load, limits)
  if (!read.ok) throw new Refusal(read.reason, read.message)
  const claimed = load.finish()
  return { ...coverageOf(load.coverage), rows_read: load.rows, rows_refused: JSON.stringify(load.refused), cluster_id: read.info.dataCondition?.cluster ?? null, claimed }
}

/**
 * One archive's rows on their way into the tables (a {@link SnapshotSink}). Everything it keeps is bounded by
 * the days a snapshot can hold ({@link MAX_ROW_AGE_DAYS}) and {@link MAX_PRODUCTS}, whatever the file holds.
 */
class ArchiveLoad implements SnapshotSink {
  readonly coverage = new Set<number>()
  readonly refused: Record<string, number> = {}
  rows = 0
  readonly #store: IndexStore
  readonly #t: IngestTarget
  readonly #id: number
  readonly #onlyDays: ReadonlySet<number> | undefined
  readonly #lastDay: number
  readonly #firstDay: number
  readonly #decisions = new Map<number, boolean>()
  readonly #dayNumbers = new Map<string, number>()
  /** The current source of each day near this archive's, read once (further back: one query a day). */
  readonly #near: Map<number, { id: number, taken_ms: number }>
  readonly #products = new Set<number>()
  readonly #unknownAt = new Set<string>()
  readonly #unknownAll = new Set<number>()

  constructor (store: IndexStore, t: IngestTarget, id: number, onlyDays: ReadonlySet<number> | undefined) {
    this.#store = store
    this.#t = t
    this.#id = id
    this.#onlyDays = onlyDays
    this.#lastDay = dayNumber(new Date(t.takenMs + ZONE_SLACK_MS).toISOString().slice(0, 10))
    this.#firstDay = this.#lastDay - MAX_ROW_AGE_DAYS
    this.#near = onlyDays === undefined ? store.winners(t.cluster, this.#lastDay - NEAR_DAYS, this.#lastDay) : new Map()
  }

  /** A plain row of a day a newer archive is the source of only counts for coverage: it is not decoded. */
  wanted (text: string): boolean {
    const date = parseDailyDate(text)
    if (date === undefined) return true
    const d = this.#dayOf(date)
    if (d === undefined) return false
    this.coverage.add(d)
    if (this.#wins(d)) return true
    this.rows++
    return false
  }

  row (r: DailyRow): void {
    const d = this.#dayOf(r.date)
    if (d === undefined) return
    this.coverage.add(d)
    this.rows++
    if (this.#wins(d)) this.#store.addUsage(this.#t.cluster, d, this.#product(r.productName, r.productId, r.metric), Math.round(r.value * 1e6))
  }

  badRow (e: DailyRowError): void {
    this.refused.unreadable = (this.refused.unreadable ?? 0) + 1
    const product = (): number => e.productName === undefined || e.metric === undefined ? ALL_PRODUCTS : this.#product(e.productName, e.productId ?? '', e.metric)
    if (e.date === undefined) {
      // Its day is unknown: the product is unknown on every day this archive is the source of.
      this.#unknownAll.add(this.#unknownAll.size < MAX_UNKNOWN_PRODUCTS ? product() : ALL_PRODUCTS)
      return
    }
    const d = this.#dayOf(e.date)
    if (d === undefined) return
    this.coverage.add(d)
    if (!this.#wins(d)) return
    if (this.#unknownAt.size < MAX_UNKNOWN) this.#unknownAt.add(`${d}:${product()}`)
    else this.#unknownAll.add(ALL_PRODUCTS)
  }

  /** Write the unknowns of the days this archive became the source of; returns those days. */
  finish (): Set<number> {
    for (const k of this.#unknownAt) { const [d, p] = k.split(':').map(Number) as [number, number]; this.#store.addUnknown(this.#t.cluster, d, p) }
    const claimed = new Set([...this.#decisions].filter(([, w]) => w).map(([d]) => d))
    const all = this.#unknownAll.has(ALL_PRODUCTS) ? [ALL_PRODUCTS] : [...this.#unknownAll]
    for (const d of claimed) for (const p of all) this.#store.addUnknown(this.#t.cluster, d, p)
    return claimed
  }

  /** Whether this archive is (now) the source of day `d` of its cluster; claims it when it is newer. */
  #wins (d: number): boolean {
    let w = this.#decisions.get(d)
    if (w === undefined) {
      const only = this.#onlyDays
      const current = only !== undefined && !only.has(d) ? { id: -1, taken_ms: Infinity }
        : only === undefined && d >= this.#lastDay - NEAR_DAYS ? this.#near.get(d) : this.#store.winner(this.#t.cluster, d)
      w = current === undefined || current.id === this.#id || current.taken_ms < this.#t.takenMs ||
        // Two archives of one snapshot time (replicas that stored different bytes for one slot): the name decides, the same way everywhere.
        (current.taken_ms === this.#t.takenMs && (this.#store.nameOf(current.id) ?? '') < this.#t.name)
      if (w && current?.id !== this.#id) this.#store.claimDay(this.#t.cluster, d, this.#id, this.#t.takenMs)
      this.#decisions.set(d, w)
    }
    return w
  }

  /** The day number of a row's date, or undefined (counted) when the snapshot cannot hold it. */
  #dayOf (date: string): number | undefined {
    let d = this.#dayNumbers.get(date)
    if (d === undefined) {
      if (this.#dayNumbers.size >= 4096) this.#dayNumbers.clear()
      this.#dayNumbers.set(date, (d = dayNumber(date)))
    }
    if (d > this.#lastDay) this.refused.after_snapshot = (this.refused.after_snapshot ?? 0) + 1
    else if (d < this.#firstDay) this.refused.too_old = (this.refused.too_old ?? 0) + 1
    else return d
    return undefined
  }

  #product (name: string, productId: string, metric: string): number {
    const p = this.#store.productId(name, productId, metric)
    if (!this.#products.has(p)) {
      this.#products.add(p)
      if (this.#products.size > MAX_PRODUCTS) throw new Refusal('bad_csv', `more than ${MAX_PRODUCTS} products and metrics in one snapshot (a real one has tens)`)
    }
    return p
  }
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
