import t from 'tap'
import { ago } from '../../src/server/license-view.js'
import { landingPage } from '../../src/server/page.js'
import { FILLED_AT_MS, filledStore, testApp } from '../fixtures/app.js'

t.test('the landing page: license state per cluster, collection state, ages, the multicluster summary', async t => {
  const res = await testApp(t).inject({ url: '/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.match(res.body, /<section class="card" data-cluster="dt-over"><h2>dt-over <span class="badge license critical">OVERAGE_QUOTA_REACHED<\/span>/)
  t.match(res.body, /data-cluster="dt-down">.*<span class="badge critical">down<\/span>.*http_5xx: HTTP 503/s)
  t.match(res.body, /<meta http-equiv="refresh" content="30">/)
  t.match(res.body, /IBM multicluster usage, \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/)
  t.match(res.body, new RegExp(`title="${new Date(FILLED_AT_MS).toISOString()}">\\d+ (s|min|h|d) ago`), 'age with the exact time on hover')
})

t.test('every value is escaped', async t => {
  const store = filledStore()
  store.sync([{ name: 'x<script>', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  store.recordSuccess('x<script>', { samples: [{ metric: 'license_usage', labels: { product: '<img src=x onerror=alert(1)>', product_id: '', unit: 'VPC"' }, value: 1 }], partFailures: [{ part: 'health', reason: 'http_5xx', message: '<b>' }], endpoints: {} }, 0, 1)
  const html = landingPage({ version: '<v>', ready: true, clusters: store.list(), nowMs: 10 })
  for (const raw of ['x<script>', '<img src', 'Version <v>', 'VPC"<']) t.notMatch(html, raw, `${raw} is escaped`)
  t.match(html, 'x&lt;script&gt;')
  t.match(html, 'Version &lt;v&gt;')
  t.match(html, '&lt;img src=x onerror=alert(1)&gt;')
})

t.test('ages', async t => {
  t.same([ago(5_000), ago(180_000), ago(7_200_000), ago(3 * 86_400_000)], ['5 s ago', '3 min ago', '2 h ago', '3 d ago'])
})
