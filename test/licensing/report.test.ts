import { spawnSync } from 'node:child_process'
import t from 'tap'
import { csvField, type Report } from '../../src/licensing/report.js'
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

t.test('report and CSV add up exactly to the per-cluster license_usage values; a failing cluster is missing, not zero', async t => {
  const stack = await startStack(t, {
    'ocp-1': { scenario: { kind: 'ibm', token: 'ibm-tok-ocp1', unannotated: 1 }, extra: ['entitlements: [{ product: "IBM MQ Advanced", unit: VIRTUAL_PROCESSOR_CORE, quota: 16 }]'] },
    'ocp-2': { scenario: { kind: 'ibm', token: 'ibm-tok-ocp2', auth: 'bearer', products: [...products(2), { name: AWKWARD, id: 'ffff', metricName: 'VIRTUAL_PROCESSOR_CORE', metricQuantity: 1.5, metricPeakDate: '2026-11-01' }] } },
    'ocp-down': { scenario: { kind: 'ibm', token: 'ibm-tok-down', fault: { kind: 'status', status: 503, body: '<html>down</html>', contentType: 'text/html' } } },
    'dt-1': { scenario: { kind: 'dynatrace', token: 'dt-tok-1' } },
  }, { global: ['entitlements: [{ product: "IBM API Connect Enterprise", unit: VIRTUAL_PROCESSOR_CORE, quota: 20 }, { product: "IBM Db2", unit: VIRTUAL_PROCESSOR_CORE, quota: 4 }]'] })
  await stack.ready()
  const m = (await stack.get('/metrics')).body
  const report = JSON.parse((await stack.get('/api/v1/report')).body) as Report

  const metricsTotal = usageLines(m, 'ocp-1').concat(usageLines(m, 'ocp-2')).reduce((a, b) => a + b, 0)
  const reportTotal = report.products.reduce((a, r) => a + r.total, 0)
  t.equal(reportTotal, metricsTotal, `report total ${reportTotal} = sum of license_usage ${metricsTotal}`)
  for (const row of report.products) t.equal(row.clusters.reduce((a, c) => a + c.quantity, 0), row.total, `${row.product}/${row.unit} breakdown adds up`)
  t.same(report.missing, ['ocp-down'])
  t.equal(report.clusters.find(c => c.name === 'ocp-down')?.last_error_reason, 'http_5xx')
  t.notOk(report.clusters.some(c => c.name === 'dt-1'), 'only IBM clusters')

  const apic = report.products.find(r => r.product === 'IBM API Connect Enterprise' && r.unit === 'VIRTUAL_PROCESSOR_CORE')
  t.equal(apic?.total, 8 + 16)
  t.same(apic?.clusters.map(c => [c.cluster, c.quantity, c.peak_date]), [['ocp-1', 8, '2026-11-18'], ['ocp-2', 16, '2026-11-18']])
  t.equal(apic?.entitlement, 20)
  t.equal(apic?.remaining, -4)
  t.equal(apic?.compliant, false)
  const db2 = report.products.find(r => r.product === 'IBM Db2')
  t.same([db2?.total, db2?.entitlement, db2?.compliant], [0, 4, true], 'an entitlement with no usage is listed')

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
  t.match(String(res.headers['content-disposition']), /attachment; filename="license-report-\d{4}-\d{2}-\d{2}\.csv"/)
  const rows = parseCsv(res.body)
  const header = rows[0]!
  t.same(header.slice(0, 7), ['product', 'product_id', 'unit', 'total', 'entitlement', 'remaining', 'compliant'])
  t.same(header.slice(7), ['ocp-1', 'ocp-2', 'ocp-down (missing)'])
  const body = rows.slice(1)
  t.equal(body.length, report.products.length)
  t.ok(body.every(r => r.length === header.length), 'every row has every column')
  const awkward = body.find(r => r[0] === AWKWARD)
  t.ok(awkward, 'the awkward name reads back intact')
  t.equal(awkward?.[9], '', 'no value for the missing cluster')
  const csvTotal = body.reduce((a, r) => a + Number(r[3]), 0)
  const csvCells = body.reduce((a, r) => a + Number(r[7] || 0) + Number(r[8] || 0), 0)
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
