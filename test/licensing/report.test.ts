import { spawnSync } from 'node:child_process'
import t from 'tap'
import { MULTICLUSTER_CSV_COLUMNS, csvField } from '../../src/licensing/csv.js'
import type { PeriodReport } from '../../src/licensing/period-report.js'
import { products } from '../simulator/ibm.js'
import { seriesValue, startStack } from '../helpers.js'

/** A small RFC 4180 parser, to prove the CSV reads back. */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++ } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(field); field = '' } else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++ } else field += c
  }
  if (field !== '' || row.length > 0) { row.push(field); rows.push(row) }
  return rows
}

const AWKWARD = 'IBM "Quoted", Product\nwith newline – Zürich 東京 \\ back'

/** Every license_usage value of a cluster in an exposition. */
function usageLines (m: string, cluster: string): number[] {
  return m.split('\n').filter(l => l.startsWith('license_usage{') && l.includes(`cluster="${cluster}"`)).map(l => Number(l.slice(l.lastIndexOf(' ') + 1)))
}

t.test('without archives, the report\'s upper bound and CSV add up exactly to the per-cluster license_usage values; a failing cluster is not reporting, not zero', async t => {
  const stack = await startStack(t, {
    'ocp-1': { scenario: { kind: 'ibm', token: 'ibm-tok-ocp1', unannotated: 1 }, extra: ['entitlements: [{ product: "IBM MQ Advanced", unit: VIRTUAL_PROCESSOR_CORE, quota: 16 }]'] },
    'ocp-2': { scenario: { kind: 'ibm', token: 'ibm-tok-ocp2', auth: 'bearer', products: [...products(2), { name: AWKWARD, id: 'ffff', metricName: 'VIRTUAL_PROCESSOR_CORE', metricQuantity: 1.5, metricPeakDate: '2026-11-01' }] } },
    'ocp-down': { scenario: { kind: 'ibm', token: 'ibm-tok-down', fault: { kind: 'status', status: 503, body: '<html>down</html>', contentType: 'text/html' } } },
    'dt-1': { scenario: { kind: 'dynatrace', token: 'dt-tok-1' } },
  }, { global: ['entitlements: [{ product: "IBM API Connect Enterprise", unit: VIRTUAL_PROCESSOR_CORE, quota: 20 }, { product: "IBM Db2", unit: VIRTUAL_PROCESSOR_CORE, quota: 4 }]'] })
  await stack.ready()
  const m = (await stack.get('/metrics')).body
  const report = JSON.parse((await stack.get('/api/v1/report')).body) as PeriodReport

  const metricsTotal = usageLines(m, 'ocp-1').concat(usageLines(m, 'ocp-2')).reduce((a, b) => a + b, 0)
  const reportTotal = report.rows.reduce((a, r) => a + r.sum_of_cluster_peaks, 0)
  t.equal(reportTotal, metricsTotal, `sum of the upper bounds ${reportTotal} = sum of license_usage ${metricsTotal}`)
  for (const row of report.rows) t.equal(row.clusters.reduce((a, c) => a + c.peak, 0), row.sum_of_cluster_peaks, `${row.product}/${row.metric} breakdown adds up`)
  t.same(report.not_reporting, ['ocp-down'])
  t.equal(report.complete, false, 'no daily data: not complete')
  t.notOk(report.clusters.some(c => c.cluster === 'dt-1'), 'only IBM clusters')

  const apic = report.rows.find(r => r.product === 'IBM API Connect Enterprise' && r.metric === 'VIRTUAL_PROCESSOR_CORE')
  t.equal(apic?.sum_of_cluster_peaks, 8 + 16)
  t.same(apic?.clusters.map(c => [c.cluster, c.peak, c.peak_date, c.source]), [['ocp-1', 8, '2026-11-18', 'products'], ['ocp-2', 16, '2026-11-18', 'products']])
  t.equal(apic?.entitlement, 20)
  t.same([apic?.peak, apic?.compliant], [null, null], 'without daily data IBM\'s figure is unknown; the upper bound does not decide compliance')
  const db2 = report.rows.find(r => r.product === 'IBM Db2')
  t.same([db2?.sum_of_cluster_peaks, db2?.entitlement], [0, 4], 'an entitlement with no usage is listed')

  // Global entitlements: the same metric names, for the sum over all IBM clusters.
  t.equal(seriesValue(m, 'license_quota', { cluster: '_all', product: 'IBM API Connect Enterprise', unit: 'VIRTUAL_PROCESSOR_CORE' }), 20)
  t.equal(seriesValue(m, 'license_usage_ratio', { cluster: '_all', product: 'IBM API Connect Enterprise' }), 1.2)
  t.equal(seriesValue(m, 'license_remaining', { cluster: '_all', product: 'IBM API Connect Enterprise' }), -4)
  // Cluster entitlements.
  t.equal(seriesValue(m, 'license_usage_ratio', { cluster: 'ocp-1', product: 'IBM MQ Advanced' }), 0.25)
  t.equal(seriesValue(m, 'license_unannotated_pods', { cluster: 'ocp-1' }), 1)
  t.equal(seriesValue(m, 'license_cluster_up', { cluster: 'ocp-down' }), 0)

  // Awkward product names: valid exposition ...
  t.match(m, /product="IBM \\"Quoted\\", Product\\nwith newline – Zürich 東京 \\\\ back"/)
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' })
  if (lint.error === undefined) t.equal(lint.status, 0, `${lint.stdout}${lint.stderr}`)
  else if (process.env.CI === 'true') t.fail('promtool is missing in CI')

  // ... and valid CSV that adds up the same.
  const res = await stack.get('/api/v1/report?format=csv')
  t.match(String(res.headers['content-type']), /^text\/csv/)
  t.match(String(res.headers['content-disposition']), /attachment; filename="license-report-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv"/)
  const rows = parseCsv(res.body)
  const header = rows[0]!
  t.same(header.slice(0, MULTICLUSTER_CSV_COLUMNS.length), [...MULTICLUSTER_CSV_COLUMNS])
  t.same(header.slice(MULTICLUSTER_CSV_COLUMNS.length, MULTICLUSTER_CSV_COLUMNS.length + 3), ['ocp-1 peak', 'ocp-1 peak_date', 'ocp-1 on peak_date'])
  const body = rows.slice(1)
  t.equal(body.length, report.rows.length)
  t.ok(body.every(r => r.length === header.length), 'every row has every column')
  const awkward = body.find(r => r[0] === AWKWARD)
  t.ok(awkward, 'the awkward name reads back intact')
  const col = (name: string): number => header.indexOf(name)
  t.equal(awkward?.[col('ocp-down peak')], '', 'no value for the cluster that does not report')
  const csvTotal = body.reduce((a, r) => a + Number(r[col('sum_of_cluster_peaks')]), 0)
  const csvCells = body.reduce((a, r) => a + Number(r[col('ocp-1 peak')] || 0) + Number(r[col('ocp-2 peak')] || 0), 0)
  t.equal(csvTotal, metricsTotal)
  t.equal(csvCells, metricsTotal)
  t.equal((await stack.get('/api/v1/report?format=xml')).status, 400)
})

t.test('CSV fields: quoting and spreadsheet formula guard', async t => {
  t.equal(csvField('plain'), 'plain')
  t.equal(csvField('a,b'), '"a,b"')
  t.equal(csvField('say "hi"'), '"say ""hi"""')
  t.equal(csvField('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"')
  t.equal(csvField(-4), '-4', 'numbers are not guarded')
  t.equal(csvField(null), '')
})
