/**
 * One definition of compliance: the report's `compliant` and the entitlement alerts get the same data (the
 * series the exporter would serve for it) and must agree, case by case: under, exactly at, over, and a quota of 0.
 */
import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { stringify } from 'yaml'
import { multiclusterReport } from '../src/licensing/multicluster.js'
import { multiclusterSamples } from '../src/licensing/period-report.js'
import { formatLabels } from '../src/metrics/format.js'
import { mapProducts } from '../src/sources/ibm/mapping.js'
import type { LabeledSample } from '../src/sources/types.js'
import { tempDir } from './helpers.js'

const RULES = join(import.meta.dirname, '..', 'config', 'prometheus', 'license-alerts.yml')
const CASES: Array<[usage: number, quota: number]> = [[3, 4], [4, 4], [5, 4], [1, 0], [0, 0]]

t.test('report compliant and the entitlement alerts agree on the same data', async t => {
  const series: Array<{ series: string, values: string }> = []
  const expectCluster: string[] = []
  const expectPeak: string[] = []
  const add = (s: LabeledSample): void => { series.push({ series: `${s.metric}{${formatLabels(s.labels)}}`, values: s.value === Infinity ? 'Inf Inf Inf Inf Inf Inf' : `${s.value}x5` }) }
  CASES.forEach(([usage, quota], i) => {
    const product = `Product ${i}`
    // The per-cluster entitlement, as the IBM source maps it.
    const samples = mapProducts([{ name: product, id: `p${i}`, metricName: 'VIRTUAL_PROCESSOR_CORE', metricQuantity: usage, metricPeakDate: '2026-11-01' }], [{ product, unit: 'VIRTUAL_PROCESSOR_CORE', quota }])
    for (const s of samples) add({ ...s, labels: { cluster: 'ocp', source: 'ibm_license_service', ...s.labels } })
    // The global entitlement, as the multicluster report computes it from daily data.
    const report = multiclusterReport({
      window: { from: '2026-11-01', to: '2026-11-01' },
      clusters: [{ cluster: 'ocp', daily: new Map([['2026-11-01', [{ date: '2026-11-01', productName: product, productId: `p${i}`, metric: 'VIRTUAL_PROCESSOR_CORE', value: usage }]]]), current: [] }],
      entitlements: [{ product, unit: 'VIRTUAL_PROCESSOR_CORE', quota }],
    })
    const row = report.rows[0]!
    for (const s of multiclusterSamples(report)) if (s.metric === 'license_ibm_multicluster_peak_ratio') add(s)
    t.equal(row.compliant, usage <= quota, `report: ${usage} of ${quota} is ${usage <= quota ? '' : 'not '}compliant`)
    if (row.compliant === false) {
      expectCluster.push(product)
      expectPeak.push(product)
    }
  })

  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // Compare the firing alerts' labels (their texts are checked in the rule file's own tests).
  const firing = (name: string, products: string[], cluster: string): unknown => ({
    expr: `ALERTS{alertname="${name}",alertstate="firing"}`,
    eval_time: '1m',
    exp_samples: products.map(p => ({
      labels: `ALERTS{${formatLabels({ alertname: name, alertstate: 'firing', cluster, product: p, product_id: `p${p.split(' ')[1] ?? ''}`, severity: 'critical', source: 'ibm_license_service', unit: 'VIRTUAL_PROCESSOR_CORE' })}}`,
      value: 1,
    })),
  })
  writeFileSync(join(dir, 'test.yml'), stringify({
    rule_files: [RULES],
    tests: [{ interval: '1m', input_series: series, promql_expr_test: [firing('LicenseQuotaExceeded', expectCluster, 'ocp'), firing('LicenseIBMMulticlusterPeakExceeded', expectPeak, '_all')] }],
  }))
  const r = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' })
  if (r.error !== undefined && process.env.CI !== 'true') {
    t.comment('promtool not installed: skipped (CI installs it)')
    return
  }
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`)
  t.same(expectCluster, ['Product 2', 'Product 3'], 'over the quota, and usage against 0, are the only non-compliant cases')
})
