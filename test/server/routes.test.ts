import { gunzipSync } from 'node:zlib'
import bcrypt from 'bcryptjs'
import t from 'tap'
import { FILLED_AT_MS, filledStore, testApp } from '../fixtures/app.js'

t.test('/metrics: text by default, OpenMetrics when asked, gzip when accepted; values from the store', async t => {
  const app = testApp(t)
  const text = await app.inject({ url: '/metrics' })
  t.equal(text.statusCode, 200)
  t.match(text.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  t.match(text.body, 'license_usage_status{cluster="dt-over",source="dynatrace_managed",env="prod",product="dynatrace",product_id="",unit="ddu",status="OVERAGE_QUOTA_REACHED"} 1\n')
  t.match(text.body, 'license_cluster_up{cluster="dt-down",source="dynatrace_managed"} 0\n')
  t.match(text.body, 'license_cluster_poll_errors_total{cluster="dt-down",source="dynatrace_managed",reason="http_5xx"} 1\n')
  t.match(text.body, `license_cluster_last_success_timestamp_seconds{cluster="ocp-1",source="ibm_license_service"} ${FILLED_AT_MS / 1000}\n`)
  t.notMatch(text.body, '# EOF')

  const om = await app.inject({ url: '/metrics', headers: { accept: 'application/openmetrics-text; version=1.0.0' } })
  t.match(om.headers['content-type'], /^application\/openmetrics-text/)
  t.ok(om.body.endsWith('# EOF\n'), 'OpenMetrics ends with # EOF')

  const gz = await app.inject({ url: '/metrics', headers: { 'accept-encoding': 'gzip' } })
  t.equal(gz.headers['content-encoding'], 'gzip')
  t.equal(gz.headers.vary, 'accept-encoding')
  const plain = gunzipSync(gz.rawPayload).toString()
  t.equal(plain.split('\n').filter(l => l.startsWith('license_')).join('\n'), text.body.split('\n').filter(l => l.startsWith('license_')).join('\n'), 'gzip carries the same series')
})

t.test('/readyz waits for every cluster to be polled once; /healthz always answers', async t => {
  const waiting = testApp(t, { store: filledStore(1) })
  t.equal((await waiting.inject({ url: '/readyz' })).statusCode, 503)
  t.equal((await waiting.inject({ url: '/healthz' })).statusCode, 200)
  t.equal((await testApp(t).inject({ url: '/readyz' })).statusCode, 200)
})

t.test('/api/v1/clusters and the report, as JSON and CSV', async t => {
  const app = testApp(t)
  const clusters = (await app.inject({ url: '/api/v1/clusters' })).json<{ ready: boolean, clusters: Array<{ name: string, up: boolean | null }> }>()
  t.same(clusters.clusters.map(c => [c.name, c.up]), [['dt-over', true], ['ocp-1', true], ['dt-down', false]])
  const json = (await app.inject({ url: '/api/v1/report?period=2026-Q3' })).json<{ from: string, to: string, rows: Array<{ product: string, sum_of_cluster_peaks: number }> }>()
  t.same([json.from, json.to], ['2026-07-01', '2026-09-30'])
  t.same(json.rows.map(p => [p.product, p.sum_of_cluster_peaks]), [['IBM MQ Advanced', 4]])
  const csv = await app.inject({ url: '/api/v1/report?format=csv&from=2026-11-01&to=2026-11-20' })
  t.match(csv.headers['content-type'], /^text\/csv/)
  t.match(csv.headers['content-disposition'], /attachment; filename="license-report-2026-11-01-2026-11-20\.csv"/)
  t.match(csv.body, /^product,product_id,metric,peak,peak_date,sum_of_cluster_peaks,complete,/)
  t.match(csv.body, /\r\nIBM MQ Advanced,p-mq,VIRTUAL_PROCESSOR_CORE,,,4,false,/)
  for (const [query, parameter] of [['format=xml', 'format'], ['from=2026-13-01&to=2026-12-01', 'from'], ['from=2026-01-01', 'to'], ['period=2026-Q5', 'period'], ['period=0000-Q1', 'period'], ['period=2026&from=2026-01-01', 'period'], ['color=red', 'color']] as const) {
    const bad = await app.inject({ url: `/api/v1/report?${query}` })
    t.equal(bad.statusCode, 400, query)
    t.match(bad.json(), { parameter, error: new RegExp(`^${parameter}`) }, `${query}: the message names ${parameter}`)
  }
})

t.test('POST /-/reload: 403 without the lifecycle flag, 200 when applied, 500 with the problem when refused', async t => {
  t.equal((await testApp(t).inject({ method: 'POST', url: '/-/reload' })).statusCode, 403)
  t.equal((await testApp(t, { enableLifecycle: true }).inject({ method: 'POST', url: '/-/reload' })).statusCode, 200)
  const refused = await testApp(t, { enableLifecycle: true, reload: async () => 'clusters[0].url: required' }).inject({ method: 'POST', url: '/-/reload' })
  t.equal(refused.statusCode, 500)
  t.match(refused.body, 'clusters[0].url: required')
})

t.test('basic auth and bearer token guard every route but /healthz', async t => {
  const password = 'fake-route-password-0001'
  const bearer = 'fake-route-bearer-token-0002'
  const app = testApp(t, { web: { tls: undefined, users: { prometheus: bcrypt.hashSync(password, 4) }, bearerToken: bearer } })
  const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`
  for (const url of ['/metrics', '/readyz', '/', '/api/v1/clusters', '/api/v1/report']) {
    const res = await app.inject({ url })
    t.equal(res.statusCode, 401, `${url} needs credentials`)
    t.match(res.headers['www-authenticate'], /^Basic realm=/)
  }
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: basic('prometheus', password) } })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: basic('prometheus', 'wrong') } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: basic('nobody', password) } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${bearer}` } })).statusCode, 200)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer not-the-token-at-all' } })).statusCode, 401)
})

t.test('the landing page is HTML with a strict CSP', async t => {
  const res = await testApp(t).inject({ url: '/' })
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-security-policy'], /default-src 'none'/)
  t.match(res.body, 'dt-over')
})
