/**
 * `/api/v1/report` is bounded: a report over the cluster-days cap is a 413 naming the period, more reports at
 * once than allowed are 429 with Retry-After (and the others are computed), and the answers are streamed
 * (the JSON parses to the report; the CSV is the same as the whole-string rendering).
 */
import t from 'tap'
import { multiclusterCsv } from '../../src/licensing/csv.js'
import type { PeriodReport } from '../../src/licensing/period-report.js'
import { checkReportSize, MAX_CLUSTER_DAYS, MAX_REPORTS_AT_ONCE, ReportTooLarge } from '../../src/server/report-limits.js'
import { testApp } from '../fixtures/app.js'

const REPORT: PeriodReport = {
  generated_at: '2026-11-28T12:00:00.000Z', mode: 'live', from: '2026-10-01', to: '2026-11-28', complete: false,
  clusters: [{ cluster: 'a', source: 'daily', days_covered: 50, missing: ['2026-10-01/2026-10-09'], unreadable: [] }, { cluster: 'b,"x"', source: 'products', days_covered: 0, missing: ['2026-10-01/2026-11-28'], unreadable: [] }],
  rows: [{ product: 'IBM MQ', product_id: 'mq', metric: 'VIRTUAL_PROCESSOR_CORE', peak: 4, peak_date: '2026-11-02', sum_of_cluster_peaks: 6, complete: false, missing_clusters: ['a', 'b,"x"'], missing: [], clusters: [{ cluster: 'a', peak: 4, peak_date: '2026-11-02', on_peak_date: 4, source: 'daily' }], entitlement: null, remaining: null, compliant: null }],
  not_reporting: [], evidence_problems: [], evidence_pending: 0, orphans: [],
}

t.test('the size cap: 5,000 clusters over three years pass, more is refused with 413', async t => {
  t.doesNotThrow(() => checkReportSize(5000, 1096))
  t.ok((() => { try { checkReportSize(6000, 1096); return false } catch (err) { return err instanceof ReportTooLarge } })(), '6,000 clusters over three years: ReportTooLarge')
  t.ok(MAX_CLUSTER_DAYS >= 5000 * 1096)
  const app = testApp(t, { report: async () => { checkReportSize(10_000, 1096); return REPORT } })
  const r = await app.inject({ url: '/api/v1/report?period=2026' })
  t.equal(r.statusCode, 413)
  t.match(r.json(), { parameter: 'period', error: /10000 clusters over 1096 days .* ask for a shorter period/ })
})

t.test('more reports at once than allowed: 429 with Retry-After; the others are answered', async t => {
  let release: () => void = () => undefined
  const gate = new Promise<void>(resolve => { release = resolve })
  const app = testApp(t, { report: async () => { await gate; return REPORT } })
  const running = Array.from({ length: MAX_REPORTS_AT_ONCE }, () => app.inject({ url: '/api/v1/report' }))
  await new Promise(resolve => setTimeout(resolve, 50))
  const extra = await app.inject({ url: '/api/v1/report?format=csv' })
  t.equal(extra.statusCode, 429)
  t.equal(extra.headers['retry-after'], '10')
  release()
  for (const r of await Promise.all(running)) t.equal(r.statusCode, 200)
  t.equal((await app.inject({ url: '/api/v1/report' })).statusCode, 200, 'a slot is free again')
})

t.test('the answers are streamed and equal the report', async t => {
  const app = testApp(t, { report: async () => REPORT })
  const json = await app.inject({ url: '/api/v1/report' })
  t.equal(json.statusCode, 200)
  t.match(json.headers['content-type'], /application\/json/)
  t.same(json.json(), REPORT)
  const csv = await app.inject({ url: '/api/v1/report?format=csv' })
  t.equal(csv.body, multiclusterCsv(REPORT))
  t.match(csv.body, /a: 9 days; "?'?b,""x""/)
})
