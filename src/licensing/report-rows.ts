/**
 * The second half of {@link ReportBuilder}: from what was accumulated per cluster to the report's rows.
 * Per product (ids resolved, identity.ts): the daily sums' peak, each cluster's part, the days each cluster
 * lacks; clusters without daily data as `/products` fallback parts; entitlements and compliance; coverage.
 */
import { covers, type Entitlement } from '../sources/entitlements.js'
import { keyOf, resolveIdentities, type Identity } from './identity.js'
import type { CurrentPeak } from './merge.js'
import type { ClusterCoverage, ClusterPart, MissingDays, MulticlusterReport, MulticlusterRow } from './report-shape.js'

/** Sums of decimal quantities without binary noise (40.000000000001). */
export const round = (n: number): number => Math.round(n * 1e6) / 1e6

/** A cluster's value of some raw products on a covered, readable day (0 without a row). */
export type ValueOn = (cluster: string, raws: readonly number[], day: number) => number

/** A cluster's own peak of a raw product: value and day index (-1: none). */
export interface Own { peak: number, day: number }
/** What the builder keeps of a cluster once added. */
export interface Seen {
  cluster: string
  covered: Uint8Array
  missing: number[]
  unknownAll: number[]
  unknownBy: Map<number, number[]>
  own: Map<number, Own>
  fallback: readonly CurrentPeak[] | undefined
}

/** What the builder accumulated. */
export interface Accumulated {
  days: readonly string[]
  identity: (raw: number) => Identity
  /** Per raw product, the daily sums over the clusters that cover each day (readable values only). */
  sums: ReadonlyMap<number, Float64Array>
  /** Per day: 1 when some cluster covers it (the day's sum is known, maybe partly). */
  coveredAny: Uint8Array
  clusters: readonly Seen[]
}

type Row = MulticlusterRow & { raws: number[], fallbackParts: number }
interface Group { id: Identity, raws: number[] }

/** The report. */
export function finishReport (acc: Accumulated, entitlements: readonly Entitlement[], valueOn: ValueOn, pending: number): MulticlusterReport {
  const { groups, groupOf } = groupsOf(acc)
  const rows = new Map<string, Row>()
  for (const [k, g] of groups) rows.set(k, dailyRow(acc, g, valueOn, pending))
  addFallbacks(acc, rows, groupOf)
  const out = [...rows.values()]
  applyEntitlements(acc, out, entitlements, pending)
  const days = acc.days
  const clusters: ClusterCoverage[] = acc.clusters.map(c => ({
    cluster: c.cluster, source: c.fallback === undefined ? 'daily' : 'products', days_covered: days.length - c.missing.length,
    missing: dayRanges(c.missing, days), unreadable: dayRanges(gapOf(c, [...c.unknownBy.keys()]).filter(d => c.covered[d] === 1), days),
  }))
  const complete = pending === 0 && acc.clusters.every(c => c.missing.length === 0 && c.unknownAll.length === 0 && c.unknownBy.size === 0)
  return {
    from: days[0]!, to: days.at(-1)!, complete, clusters,
    rows: out.map(({ raws: _r, fallbackParts: _f, ...r }) => r).sort((a, b) => a.product.localeCompare(b.product) || a.metric.localeCompare(b.metric) || a.product_id.localeCompare(b.product_id)),
  }
}

/** Raw products grouped by resolved identity; `groupOf` adds more (fallback records). */
function groupsOf (acc: Accumulated): { groups: Map<string, Group>, groupOf: (id: Identity) => Group } {
  const raws = new Map<number, Identity>()
  for (const raw of acc.sums.keys()) raws.set(raw, acc.identity(raw))
  for (const c of acc.clusters) for (const raw of c.own.keys()) if (!raws.has(raw)) raws.set(raw, acc.identity(raw))
  const currents = acc.clusters.flatMap(c => (c.fallback ?? []).map(u => ({ product: u.product, product_id: u.product_id, unit: u.unit })))
  const resolve = resolveIdentities([...raws.values(), ...currents])
  const groups = new Map<string, Group>()
  const groupOf = (id: Identity): Group => {
    const r = resolve(id)
    const k = keyOf(r)
    let g = groups.get(k)
    if (g === undefined) groups.set(k, (g = { id: r, raws: [] }))
    return g
  }
  for (const [raw, id] of raws) groupOf(id).raws.push(raw)
  return { groups, groupOf }
}

function sumsOf (acc: Accumulated, raws: readonly number[]): Float64Array {
  const out = new Float64Array(acc.days.length)
  for (const s of raws.map(raw => acc.sums.get(raw))) if (s !== undefined) for (let d = 0; d < s.length; d++) out[d] = out[d]! + s[d]!
  return out
}

/** The highest daily sum over the known days (the earliest on a tie); null when no day is known. */
function peakOf (acc: Accumulated, sums: Float64Array): { peak: number | null, day: number } {
  let peak: number | null = null
  let day = -1
  for (let d = 0; d < sums.length; d++) {
    if (acc.coveredAny[d] !== 1) continue
    const s = round(sums[d]!)
    if (peak === null || s > peak) { peak = s; day = d }
  }
  return { peak, day }
}

function newRow (id: Identity, peak: number | null, peakDate: string | null, clusters: ClusterPart[], gaps: { clusters: string[], days: MissingDays[] }, pending: number, raws: number[]): Row {
  return {
    product: id.product, product_id: id.product_id, metric: id.unit, peak, peak_date: peakDate,
    sum_of_cluster_peaks: round(clusters.reduce((s, c) => s + c.peak, 0)), complete: gaps.clusters.length === 0 && pending === 0,
    missing_clusters: gaps.clusters, missing: gaps.days, clusters, entitlement: null, remaining: null, compliant: null, raws, fallbackParts: 0,
  }
}

/**
 * Day indices (sorted) as ranges: `2026-01-05` for a lone day, `2026-01-01/2026-03-31` (ISO 8601) for a run,
 * so a cluster with no data in a three-year window is one string, not 1,096.
 */
export function dayRanges (indices: readonly number[], days: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < indices.length;) {
    let j = i
    while (j + 1 < indices.length && indices[j + 1] === indices[j]! + 1) j++
    out.push(i === j ? days[indices[i]!]! : `${days[indices[i]!]!}/${days[indices[j]!]!}`)
    i = j + 1
  }
  return out
}

/**
 * A product's gaps: the clusters that lack some day of it, and only the days that are this product's own (an
 * unreadable row of it), beyond the cluster's gaps for every product, which `clusters[].missing` and
 * `.unreadable` state once.
 */
function gapsOf (acc: Accumulated, raws: readonly number[]): { clusters: string[], days: MissingDays[] } {
  const out: { clusters: string[], days: MissingDays[] } = { clusters: [], days: [] }
  for (const c of acc.clusters) {
    const gap = gapOf(c, raws)
    if (gap.length === 0) continue
    out.clusters.push(c.cluster)
    if (c.unknownBy.size === 0) continue
    const whole = new Set([...c.missing, ...c.unknownAll])
    const own = gap.filter(d => !whole.has(d))
    if (own.length > 0) out.days.push({ cluster: c.cluster, days: dayRanges(own, acc.days) })
  }
  return out
}

/** A product's row from the daily data: its peak, and each cluster's part and gaps. */
function dailyRow (acc: Accumulated, g: Group, valueOn: ValueOn, pending: number): Row {
  const days = acc.days
  const { peak, day } = peakOf(acc, sumsOf(acc, g.raws))
  const clusters: ClusterPart[] = []
  for (const c of acc.clusters) {
    const mine = g.raws.filter(raw => c.own.has(raw))
    if (mine.length === 0) continue
    const gap = gapOf(c, g.raws)
    const own = mine.length === 1 ? c.own.get(mine[0]!)! : combinedOwn(acc, c, mine, valueOn)
    const readable = day >= 0 && c.covered[day] === 1 && !gap.includes(day)
    clusters.push({
      cluster: c.cluster, peak: round(own.peak), peak_date: own.day >= 0 ? days[own.day]! : null,
      on_peak_date: readable ? round(valueOn(c.cluster, mine, day)) : null, source: 'daily',
    })
  }
  return newRow(g.id, peak, day >= 0 ? days[day]! : null, clusters, gapsOf(acc, g.raws), pending, g.raws)
}

/** Days of the window a cluster lacks for these raw products: not covered, or unreadable. Sorted. */
function gapOf (c: Seen, raws: readonly number[]): number[] {
  const extra = raws.flatMap(raw => c.unknownBy.get(raw) ?? [])
  if (extra.length === 0 && c.unknownAll.length === 0) return c.missing
  return [...new Set([...c.missing, ...c.unknownAll, ...extra])].sort((a, b) => a - b)
}

/** A cluster's own peak over several raw products that are one product (ids resolved): day by day. */
function combinedOwn (acc: Accumulated, c: Seen, raws: readonly number[], valueOn: ValueOn): Own {
  const gap = new Set(gapOf(c, raws))
  let best: Own = { peak: 0, day: -1 }
  for (let d = 0; d < acc.days.length; d++) {
    if (c.covered[d] !== 1 || gap.has(d)) continue
    const v = round(valueOn(c.cluster, raws, d))
    if (best.day < 0 || v > best.peak) best = { peak: v, day: d }
  }
  return best
}

/** Clusters without daily data in the window count with their current `/products` peaks. */
function addFallbacks (acc: Accumulated, rows: Map<string, Row>, groupOf: (id: Identity) => Group): void {
  const missingSets = new Map<Row, Set<string>>()
  for (const c of acc.clusters) {
    if (c.fallback === undefined) continue
    const mine = new Map<string, ClusterPart>()
    for (const u of c.fallback) {
      const { id } = groupOf({ product: u.product, product_id: u.product_id, unit: u.unit })
      const k = keyOf(id)
      const prev = mine.get(k)
      mine.set(k, prev === undefined
        ? { cluster: c.cluster, peak: u.quantity, peak_date: u.peak_date, on_peak_date: null, source: 'products' }
        : { ...prev, peak: round(prev.peak + u.quantity), peak_date: later(prev.peak_date, u.peak_date) })
      if (!rows.has(k)) {
        // Known days where no daily cluster used it: 0, first reached on the first known day.
        const first = acc.coveredAny.indexOf(1)
        rows.set(k, newRow(id, first >= 0 ? 0 : null, first >= 0 ? acc.days[first]! : null, [], gapsOf(acc, []), 0, []))
      }
    }
    for (const [k, part] of mine) {
      const r = rows.get(k)!
      r.clusters.push(part)
      r.fallbackParts++
      r.sum_of_cluster_peaks = round(r.sum_of_cluster_peaks + part.peak)
      r.complete = false
      // A set per row, not a search: thousands of fallback clusters times thousands of names otherwise.
      let named = missingSets.get(r)
      if (named === undefined) missingSets.set(r, (named = new Set(r.missing_clusters)))
      if (!named.has(c.cluster)) { named.add(c.cluster); r.missing_clusters.push(c.cluster) }
    }
  }
}

/**
 * Entitlements against the peak (several rows under one: the peak of their combined daily sums). Compliance:
 * false when the known peak is over; with usage known only from `/products`, true only if even the upper
 * bound is within, else null; without a known day, null.
 */
function applyEntitlements (acc: Accumulated, rows: Row[], entitlements: readonly Entitlement[], pending: number): void {
  const anyKnown = acc.coveredAny.includes(1)
  for (const e of entitlements) {
    const matched = rows.filter(r => covers(e, { product: r.product, product_id: r.product_id, unit: r.metric }))
    if (matched.length === 0) {
      const peak = anyKnown ? 0 : null
      rows.push({ ...newRow({ product: e.product ?? '', product_id: e.product_id ?? '', unit: e.unit }, peak, null, [], { clusters: [], days: [] }, pending, []), entitlement: e.quota, remaining: peak === null ? null : e.quota, compliant: peak === null ? null : true })
      continue
    }
    const combined = matched.length === 1 ? matched[0]!.peak : peakOf(acc, sumsOf(acc, matched.flatMap(r => r.raws))).peak
    const upper = round(matched.reduce((s, r) => s + r.sum_of_cluster_peaks, 0))
    const partly = matched.some(r => r.fallbackParts > 0)
    const compliant = combined !== null && combined > e.quota ? false : partly ? (upper <= e.quota ? true : null) : combined === null ? null : combined <= e.quota
    for (const r of matched) Object.assign(r, { entitlement: e.quota, remaining: combined === null ? null : round(e.quota - combined), compliant })
  }
}

function later (a: string | null, b: string | null): string | null {
  return a === null ? b : b === null ? a : a > b ? a : b
}
