/**
 * For generated configs that pass the config check and generated vendor responses, the exposition has no
 * duplicate label name in a series and no duplicate series, and passes `promtool check metrics`: one bad
 * cluster must never make Prometheus drop the whole scrape.
 */
import { spawnSync } from 'node:child_process'
import fc from 'fast-check'
import t from 'tap'
import { stringify } from 'yaml'
import { ConfigError, parseConfig } from '../../src/config/load.js'
import { globalEntitlementSamples } from '../../src/licensing/usage.js'
import { ClusterMetrics } from '../../src/metrics/cluster.js'
import { Store } from '../../src/polling/store.js'
import { mapClusterLicense } from '../../src/sources/dynatrace/mapping.js'
import { clusterLicenseSchema } from '../../src/sources/dynatrace/schema.js'
import { mapBundled, mapProducts } from '../../src/sources/ibm/mapping.js'
import { bundledSchema, productsSchema } from '../../src/sources/ibm/schema.js'
import type { Sample } from '../../src/sources/types.js'

const RUNS = Number(process.env.PROPERTY_RUNS ?? 40)
const text = fc.oneof(fc.constantFrom('IBM MQ', 'A', '', 'x"y', 'a\\b', 'line\nbreak', 'Zürich 東京', 'ddu'), fc.string({ maxLength: 12 }))
const labelName = fc.oneof(fc.constantFrom('env', 'region', 'cloudpak_metric', 'unit', 'cluster', 'reason', 'team', 'le', 'status'), fc.stringMatching(/^[a-z_][a-z0-9_]{0,8}$/))
const product = fc.record({ name: text, id: text, metricName: fc.constantFrom('VIRTUAL_PROCESSOR_CORE', 'PROCESSOR_VALUE_UNIT', ''), metricQuantity: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.double({ min: 0, max: 1e9, noNaN: true })), metricPeakDate: fc.constantFrom('2026-11-01', 'bad', null) })
const bundled = fc.record({ productName: text, productId: text, cloudpakId: text, cloudpakMetricName: text, metricName: text, metricConvertedQuantity: fc.integer({ min: 0, max: 100 }) })
const unit = fc.record({ quota: fc.oneof(fc.integer({ min: -1, max: 1e6 }), fc.constant(null)), usage: fc.integer({ min: 0, max: 1e6 }), usageStatus: fc.constantFrom('USING_QUOTA', 'USING_OVERAGE', 'QUOTA_REACHED', 'OVERAGE_QUOTA_REACHED', 'NEW_STATE', null) })
const entitlement = fc.record({ product: text.filter(s => s !== ''), unit: fc.constantFrom('VIRTUAL_PROCESSOR_CORE', 'PROCESSOR_VALUE_UNIT'), quota: fc.integer({ min: 0, max: 100 }) })
const cluster = fc.record({
  ibm: fc.boolean(),
  labels: fc.dictionary(labelName, text, { maxKeys: 3 }),
  products: fc.array(product, { maxLength: 6 }),
  bundled: fc.array(bundled, { maxLength: 3 }),
  units: fc.record({ usageOfDduUnits: unit, usageOfHostUnits: fc.option(unit, { nil: undefined }) }),
  entitlements: fc.array(entitlement, { maxLength: 3 }),
})

/** `name{labels}` of every sample line, and the label names of each. */
function lines (exposition: string): Array<{ series: string, names: string[] }> {
  return exposition.split('\n').filter(l => l !== '' && !l.startsWith('#')).map(l => {
    const series = l.slice(0, l.lastIndexOf(' '))
    const names = [...series.matchAll(/[{,]([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map(m => m[1]!)
    return { series, names }
  })
}

t.test('generated valid configs and responses give an exposition Prometheus accepts whole', async t => {
  let checked = 0
  await fc.assert(fc.asyncProperty(fc.array(cluster, { minLength: 1, maxLength: 4 }), fc.array(entitlement, { maxLength: 2 }), async (clusters, global) => {
    const doc = {
      global: { entitlements: global },
      clusters: clusters.map((c, i) => ({ name: `c${i}`, type: c.ibm ? 'ibm_license_service' : 'dynatrace_managed', url: 'https://x.example.com', labels: c.labels, ...(c.ibm ? { entitlements: c.entitlements } : {}) })),
    }
    let config
    try {
      config = await parseConfig(stringify(doc), 'generated.yaml', {})
    } catch (err) {
      if (err instanceof ConfigError) return // refused by the check: not this property's business
      throw err
    }
    const store = new Store()
    store.sync(config.clusters.map(c => ({ name: c.name, type: c.type, labels: c.labels, staleAfterMs: 60_000 })))
    config.clusters.forEach((c, i) => {
      const g = clusters[i]!
      let samples: Sample[]
      if (c.type === 'ibm_license_service') {
        samples = [...mapProducts(productsSchema.parse(g.products), c.entitlements), ...mapBundled(bundledSchema.parse(g.bundled))]
      } else {
        const parsed = clusterLicenseSchema.safeParse(g.units)
        samples = parsed.success ? mapClusterLicense(parsed.data) : []
      }
      store.recordSuccess(c.name, { samples, partFailures: [], endpoints: { main: true } }, 0, 1)
    })
    const metrics = new ClusterMetrics(store, { aggregates: () => globalEntitlementSamples(store.list(), config.global.entitlements) })
    const exposition = (await metrics.get('text')).toString()
    const all = lines(exposition)
    const seen = new Set<string>()
    for (const { series, names } of all) {
      if (new Set(names).size !== names.length) throw new Error(`duplicate label name in ${series}`)
      if (seen.has(series)) throw new Error(`duplicate series ${series}`)
      seen.add(series)
    }
    if (checked < 15) {
      checked++
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' })
      if (lint.error === undefined && lint.status !== 0) {
        throw new Error(`promtool check metrics: ${lint.stdout}${lint.stderr}\n${exposition}`)
      }
    }
  }), { numRuns: RUNS })
  t.pass(`${RUNS} generated fleets`)
})
