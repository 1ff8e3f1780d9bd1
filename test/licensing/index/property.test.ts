/**
 * The index's figures equal a naive computation written from the rules alone (property-based, fast-check):
 * random small vaults of real zip archives (overlapping windows, duplicate rows, unreadable rows of every
 * kind, rows after the snapshot), read by the engine, reported for random windows and entitlements, and
 * compared field by field with the same report computed the slow, obvious way.
 */
import fc from 'fast-check'
import t from 'tap'
import { IndexEngine } from '../../../src/licensing/index/engine.js'
import { queryReport } from '../../../src/licensing/index/query.js'
import { openIndex } from '../../../src/licensing/index/schema.js'
import { IndexStore } from '../../../src/licensing/index/store.js'
import type { MulticlusterReport } from '../../../src/licensing/multicluster.js'
import { tempDir } from '../../helpers.js'
import { at, writeSnapshot } from '../../fixtures/vault.js'
import { directoryVault } from '../../../src/archive/store.js'

const BASE = Date.parse('2026-03-01T00:00:00Z')
const DAYS = 10
const day = (i: number): string => new Date(BASE + i * 86_400_000).toISOString().slice(0, 10)

type Bad = 'quantity' | 'date' | 'name' | 'everything'
interface Row { d: number, p: number, v: number, bad?: Bad | undefined }
interface Archive { taken: number, rows: Row[] }
interface Model { clusters: Archive[][], from: number, to: number, quota: number | undefined }

const row: fc.Arbitrary<Row> = fc.record({
  d: fc.integer({ min: 0, max: DAYS - 1 }), p: fc.integer({ min: 0, max: 2 }), v: fc.integer({ min: 0, max: 100 }).map(n => n / 2),
  bad: fc.option(fc.constantFrom<Bad>('quantity', 'date', 'name', 'everything'), { freq: 8, nil: undefined }),
}, { requiredKeys: ['d', 'p', 'v'] })
const archives = fc.uniqueArray(fc.record({ taken: fc.integer({ min: 0, max: DAYS - 1 }), rows: fc.array(row, { maxLength: 14 }) }), { selector: a => a.taken, minLength: 0, maxLength: 4 })
const model: fc.Arbitrary<Model> = fc.record({
  clusters: fc.array(archives, { minLength: 1, maxLength: 3 }),
  from: fc.integer({ min: 0, max: DAYS }), len: fc.integer({ min: 1, max: 5 }),
  quota: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
}).map(m => ({ clusters: m.clusters, from: m.from, to: Math.min(m.from + m.len - 1, DAYS + 1), quota: m.quota }))

function csvLine (r: Row): string {
  const name = `P${r.p}`
  const id = `id${r.p}`
  switch (r.bad) {
    case 'quantity': return `${name},${id},VIRTUAL_PROCESSOR_CORE,${day(r.d)},lots`
    case 'date': return `${name},${id},VIRTUAL_PROCESSOR_CORE,2026-13-45,${r.v}`
    case 'name': return `,${id},VIRTUAL_PROCESSOR_CORE,${day(r.d)},${r.v}`
    case 'everything': return ',,,someday,x'
    default: return `${name},${id},VIRTUAL_PROCESSOR_CORE,${day(r.d)},${r.v}`
  }
}

/** Consecutive day numbers as the report's ranges (`day`, or `from/to`). */
function ranges (ds: readonly number[]): string[] {
  const out: string[] = []
  for (let i = 0; i < ds.length; i++) {
    let j = i
    while (j + 1 < ds.length && ds[j + 1] === ds[j]! + 1) j++
    out.push(i === j ? day(ds[i]!) : `${day(ds[i]!)}/${day(ds[j]!)}`)
    i = j
  }
  return out
}

/** The report the slow way, from the model alone. */
function naive (m: Model): MulticlusterReport {
  const window = Array.from({ length: m.to - m.from + 1 }, (_, i) => m.from + i)
  const ALL = -1
  const cl = m.clusters.map((list, ci) => {
    // An archive covers the days of its rows up to the day it was taken (rows with a readable date).
    const covers = (a: Archive, d: number): boolean => a.rows.some(r => r.d === d && r.d <= a.taken && r.bad !== 'date' && r.bad !== 'everything')
    const winner = (d: number): Archive | undefined => list.filter(a => covers(a, d)).sort((x, y) => y.taken - x.taken)[0]
    const unknown = (d: number, p: number): boolean => {
      const w = winner(d)
      if (w === undefined) return false
      return w.rows.some(r => (r.bad === 'everything') || (r.bad === 'date' && r.p === p) ||
        (r.bad === 'name' && r.d === d && r.d <= w.taken) || (r.bad === 'quantity' && r.d === d && r.p === p && r.d <= w.taken))
    }
    const value = (d: number, p: number): number => (winner(d)?.rows ?? []).filter(r => r.d === d && r.p === p && r.bad === undefined).reduce((s, r) => s + r.v, 0)
    const hasRow = (d: number, p: number): boolean => (winner(d)?.rows ?? []).some(r => r.d === d && r.p === p && r.bad === undefined)
    return { name: `c${ci}`, covered: (d: number) => winner(d) !== undefined, unknown, value, hasRow }
  })
  const coveredAny = (d: number): boolean => cl.some(c => c.covered(d))
  const products = [0, 1, 2].filter(p => cl.some(c => window.some(d => c.covered(d) && c.hasRow(d, p))))
  const rows = products.map(p => {
    let peak: number | null = null
    let peakDay = -1
    for (const d of window) {
      if (!coveredAny(d)) continue
      const sum = cl.reduce((s, c) => s + (c.covered(d) && !c.unknown(d, p) ? c.value(d, p) : 0), 0)
      if (peak === null || sum > peak) { peak = sum; peakDay = d }
    }
    const parts = cl.filter(c => window.some(d => c.covered(d) && c.hasRow(d, p))).map(c => {
      let best = -1
      let bestDay = -1
      for (const d of window) {
        if (!c.covered(d) || c.unknown(d, p)) continue
        const v = c.value(d, p)
        if (v > best) { best = v; bestDay = d }
      }
      const readable = peakDay >= 0 && c.covered(peakDay) && !c.unknown(peakDay, p)
      return { cluster: c.name, peak: Math.max(best, 0), peak_date: bestDay >= 0 ? day(bestDay) : null, on_peak_date: readable ? c.value(peakDay, p) : null, source: 'daily' as const }
    })
    // Clusters lacking some day of this product; the days that are this product's own (not a gap of every product).
    const missingClusters = cl.filter(c => window.some(d => !c.covered(d) || c.unknown(d, p))).map(c => c.name)
    const missing = cl.map(c => ({ cluster: c.name, days: ranges(window.filter(d => c.covered(d) && c.unknown(d, p) && !c.unknown(d, ALL))) })).filter(x => x.days.length > 0)
    const q = p === 0 ? m.quota : undefined
    return {
      product: `P${p}`, product_id: `id${p}`, metric: 'VIRTUAL_PROCESSOR_CORE', peak, peak_date: peakDay >= 0 ? day(peakDay) : null,
      sum_of_cluster_peaks: parts.reduce((s, x) => s + x.peak, 0), complete: missingClusters.length === 0, missing_clusters: missingClusters, missing, clusters: parts,
      entitlement: q ?? null, remaining: q === undefined || peak === null ? null : q - peak, compliant: q === undefined || peak === null ? null : peak <= q,
    }
  })
  if (m.quota !== undefined && !products.includes(0)) {
    const known = window.some(coveredAny)
    rows.push({ product: 'P0', product_id: '', metric: 'VIRTUAL_PROCESSOR_CORE', peak: known ? 0 : null, peak_date: null, sum_of_cluster_peaks: 0, complete: true, missing_clusters: [], missing: [], clusters: [], entitlement: m.quota, remaining: known ? m.quota : null, compliant: known ? true : null })
  }
  const clusters = cl.map(c => ({
    cluster: c.name, source: window.some(d => c.covered(d)) ? 'daily' as const : 'products' as const, days_covered: window.filter(d => c.covered(d)).length,
    missing: ranges(window.filter(d => !c.covered(d))), unreadable: ranges(window.filter(d => c.covered(d) && [0, 1, 2, ALL].some(p => c.unknown(d, p)))),
  }))
  rows.sort((a, b) => a.product.localeCompare(b.product))
  return { from: day(m.from), to: day(m.to), complete: clusters.every(c => c.missing.length === 0 && c.unreadable.length === 0), clusters, rows }
}

t.test('the index\'s report equals the naive computation on random vaults', async t => {
  let runs = 0
  await fc.assert(fc.asyncProperty(model, async m => {
    const vault = tempDir('license-exporter-prop-')
    const { db } = openIndex(':memory:')
    try {
      m.clusters.forEach((list, ci) => {
        for (const a of list) writeSnapshot(vault, `c${ci}`, at(day(a.taken), 1), { files: { [`products_daily_c${ci}.csv`]: `name,id,metricName,metricQuantityDate,metricQuantity\r\n${a.rows.map(csvLine).join('\r\n')}\r\n` } })
      })
      const engine = new IndexEngine(new IndexStore(db), { log: () => undefined, maxArchiveBytes: 2 ** 30 })
      const names = m.clusters.map((_, ci) => `c${ci}`)
      await engine.sync([{ vault: directoryVault(vault), clusters: names }], BASE + 60 * 86_400_000)
      await engine.idle()
      const got = queryReport(engine, {
        window: { from: day(m.from), to: day(m.to) }, clusters: names.map(name => ({ name, vault, current: [] })),
        entitlements: m.quota === undefined ? [] : [{ product: 'P0', unit: 'VIRTUAL_PROCESSOR_CORE', quota: m.quota }],
      }).report
      runs++
      t.same(got, naive(m), JSON.stringify(m))
      return true
    } finally {
      db.close()
    }
  }), { numRuns: 150 })
  t.equal(runs, 150)
})
