import { spawnSync } from 'node:child_process'
import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { negotiateFormat } from '../../src/server/routes.js'
import { seriesValue, startStack, waitFor } from '../helpers.js'

const promtool = spawnSync('promtool', ['--version']).status === 0

/** promtool check metrics on a text exposition; returns its complaints ('' when clean). */
function promlint (text: string): string {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
  return r.status === 0 ? '' : `${r.stdout}${r.stderr}`.trim() || `exit ${r.status}`
}

t.test('format negotiation', async t => {
  t.equal(negotiateFormat(undefined), 'text')
  t.equal(negotiateFormat('text/plain'), 'text')
  t.equal(negotiateFormat('application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'), 'openmetrics')
  t.equal(negotiateFormat('application/openmetrics-text;q=0,text/plain'), 'text')
})

t.test('routes over a running exporter with healthy, overage, failing and hanging clusters', async t => {
  const stack = await startStack(t, {
    'dt-over': { scenario: { kind: 'dynatrace', token: 'tok-over-0001', license: 'overage_quota_reached' }, extra: ['labels: { env: prod }'] },
    'dt-ok': { scenario: { kind: 'dynatrace', token: 'tok-ok-0002' }, extra: ['labels: { team: "a \\"quoted\\" \\\\ back\\nslash Zürich 東京" }'] },
    'dt-fail': { scenario: { kind: 'dynatrace', token: 'tok-fail-0003', fault: { kind: 'status', status: 500 } } },
    'dt-hang': { scenario: { kind: 'dynatrace', token: 'tok-hang-0004', fault: { kind: 'hang' } } },
  }, { global: ['timeout: 3s'] })

  // Healthy clusters are done long before the hanging one's deadline; the exporter is not ready yet.
  await waitFor(() => stack.exporter.store.get('dt-ok')?.up === true && stack.exporter.store.get('dt-over')?.up === true, 2000, 'healthy clusters polled while another hangs')
  t.equal(stack.exporter.store.get('dt-hang')?.up, undefined, 'hanging poll still in flight')
  const notReady = await stack.get('/readyz')
  t.equal(notReady.status, 503, 'not ready before the first round is done')

  // /metrics over a real socket answers at once while a poll hangs (with the healthy clusters' results rendered).
  await stack.exporter.clusterMetrics.refresh()
  const started = performance.now()
  const res = await fetch(`${stack.exporter.url}/metrics`)
  const body = await res.text()
  const elapsed = performance.now() - started
  t.equal(res.status, 200)
  t.ok(elapsed < 1000, `/metrics answered in ${elapsed.toFixed(1)} ms while a cluster hangs`)
  t.equal(seriesValue(body, 'license_usage_status', { cluster: 'dt-over', unit: 'ddu', status: 'OVERAGE_QUOTA_REACHED' }), 1)

  await stack.ready(6000)
  t.equal((await stack.get('/readyz')).status, 200)
  t.equal((await stack.get('/healthz')).status, 200)

  const text = await stack.get('/metrics')
  t.match(String(text.headers['content-type']), /^text\/plain; version=0\.0\.4/)
  const m = text.body
  t.equal(seriesValue(m, 'license_cluster_up', { cluster: 'dt-over' }), 1)
  t.equal(seriesValue(m, 'license_cluster_up', { cluster: 'dt-fail' }), 0)
  t.equal(seriesValue(m, 'license_cluster_up', { cluster: 'dt-hang' }), 0)
  t.equal(seriesValue(m, 'license_cluster_poll_errors_total', { cluster: 'dt-fail', reason: 'http_5xx' }), 1)
  t.equal(seriesValue(m, 'license_cluster_poll_errors_total', { cluster: 'dt-hang', reason: 'timeout' }), 1)
  t.equal(seriesValue(m, 'license_cluster_poll_errors_total', { cluster: 'dt-ok', reason: 'auth' }), 0, 'counters start at 0')
  t.equal(seriesValue(m, 'license_usage', { cluster: 'dt-fail' }), undefined, 'no license values for a cluster that never answered')
  t.equal(seriesValue(m, 'license_usage', { cluster: 'dt-over', unit: 'ddu', env: 'prod' }), 1_000_000, 'static labels on series')
  t.ok(seriesValue(m, 'license_cluster_last_success_timestamp_seconds', { cluster: 'dt-ok' })! > Date.now() / 1000 - 60)
  // A hung poll ends at the 3 s deadline, or just before it when too little time is left for another attempt.
  t.ok(seriesValue(m, 'license_cluster_poll_duration_seconds', { cluster: 'dt-hang' })! >= 2.5, 'duration of the hung poll')
  t.equal(seriesValue(m, 'license_exporter_config_last_reload_successful'), 1)
  t.match(m, `,nodejs_version="${process.version}"} 1`)
  t.match(m, /license_exporter_build_info\{version="[^"]+",nodejs_version=/)
  t.match(m, /team="a \\"quoted\\" \\\\ back\\nslash Zürich 東京"/, 'label value escaped, UTF-8 kept')
  t.match(m, /# HELP license_usage .*Polled in the background/)
  if (promtool) t.equal(promlint(m), '', 'promtool check metrics is clean')
  else if (process.env.CI === 'true') t.fail('promtool is missing in CI')

  const om = await stack.get('/metrics', { accept: 'application/openmetrics-text;version=1.0.0,text/plain;q=0.5' })
  t.match(String(om.headers['content-type']), /^application\/openmetrics-text; version=1\.0\.0/)
  t.ok(om.body.endsWith('# EOF\n'), 'ends with # EOF')
  t.equal(om.body.match(/# EOF/g)?.length, 1, 'exactly one # EOF')
  t.match(om.body, /# TYPE license_cluster_poll_errors counter\nlicense_cluster_poll_errors_total\{/)

  const gz = await stack.exporter.app.inject({ method: 'GET', url: '/metrics', headers: { 'accept-encoding': 'gzip' } })
  t.equal(gz.headers['content-encoding'], 'gzip')
  const unzipped = gunzipSync(gz.rawPayload).toString('utf8')
  t.match(unzipped, /license_cluster_up\{cluster="dt-over"/)
  t.match(unzipped, /process_cpu_seconds_total/, 'both gzip members decode')

  const api = JSON.parse((await stack.get('/api/v1/clusters')).body) as { ready: boolean, clusters: Array<{ name: string, up: boolean, last_error: { reason: string } | null }> }
  t.equal(api.ready, true)
  t.same(api.clusters.map(c => [c.name, c.up, c.last_error?.reason ?? null]), [
    ['dt-over', true, null], ['dt-ok', true, null], ['dt-fail', false, 'http_5xx'], ['dt-hang', false, 'timeout'],
  ])

  const page = await stack.get('/')
  t.equal(page.status, 200)
  t.match(String(page.headers['content-type']), /text\/html/)
  t.match(String(page.headers['content-security-policy']), /default-src 'none'/)
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  t.match(page.body, /dt-fail.*down.*http_5xx/s)
  t.match(page.body, /href="metrics"/)
})

t.test('a failed poll keeps the last values until stale_after, then removes them', async t => {
  const stack = await startStack(t, {
    flaky: { scenario: { kind: 'dynatrace', token: 'tok-flaky-0005', license: 'near_quota' } },
  }, { global: ['interval: 150ms', 'stale_after: 4s'] })
  await stack.ready()
  const metrics = async (): Promise<string> => (await stack.get('/metrics')).body
  t.equal(seriesValue(await metrics(), 'license_usage_ratio', { cluster: 'flaky', unit: 'ddu' }), 0.95)
  stack.sim.set('flaky', { kind: 'dynatrace', token: 'tok-flaky-0005', fault: { kind: 'status', status: 503 } })
  const down = await waitFor(async () => { const m = await metrics(); return seriesValue(m, 'license_cluster_up', { cluster: 'flaky' }) === 0 ? m : undefined }, 3000, 'up 0')
  t.equal(seriesValue(down, 'license_usage_ratio', { cluster: 'flaky', unit: 'ddu' }), 0.95, 'last good value kept while fresh')
  const stale = await waitFor(async () => { const m = await metrics(); return seriesValue(m, 'license_usage', { cluster: 'flaky' }) === undefined ? m : undefined }, 10_000, 'stale values removed')
  t.equal(seriesValue(stale, 'license_cluster_up', { cluster: 'flaky' }), 0, 'health series stay')
  t.ok(seriesValue(stale, 'license_cluster_poll_errors_total', { cluster: 'flaky', reason: 'http_5xx' })! >= 1)
  stack.sim.set('flaky', { kind: 'dynatrace', token: 'tok-flaky-0005', license: 'near_quota' })
  await waitFor(async () => seriesValue(await metrics(), 'license_usage', { cluster: 'flaky', unit: 'ddu' }) === 950_000, 3000, 'recovery')
})

t.test('429 with Retry-After: no polls until then', async t => {
  const stack = await startStack(t, {
    limited: { scenario: { kind: 'dynatrace', token: 'tok-429-0006', fault: { kind: 'status', status: 429, headers: { 'retry-after': '3600' } } } },
    other: { scenario: { kind: 'dynatrace', token: 'tok-other-0007' } },
  }, { global: ['interval: 100ms'] })
  await stack.ready()
  await new Promise(resolve => setTimeout(resolve, 600))
  const count = (c: string): number => stack.sim.requests.filter(r => r.cluster === c && r.path === '/api/cluster/v2/clusterLicense').length
  t.equal(count('limited'), 1, 'the rate-limited cluster was asked once')
  t.ok(count('other') >= 3, `the other cluster kept its interval (${count('other')} polls)`)
  const api = JSON.parse((await stack.get('/api/v1/clusters')).body) as { clusters: Array<{ name: string, retry_at: string | null }> }
  t.ok(Date.parse(api.clusters[0]?.retry_at ?? '') > Date.now() + 3_000_000)
  t.equal(seriesValue((await stack.get('/metrics')).body, 'license_cluster_poll_errors_total', { cluster: 'limited', reason: 'rate_limited' }), 1)
})

t.test('reload: added clusters poll, removed ones vanish, invalid config keeps the old one', async t => {
  const { writeFileSync, readFileSync } = await import('node:fs')
  const stack = await startStack(t, {
    keep: { scenario: { kind: 'dynatrace', token: 'tok-keep-0008' } },
    drop: { scenario: { kind: 'dynatrace', token: 'tok-drop-0009' } },
  })
  await stack.ready()
  const before = readFileSync(stack.configFile, 'utf8')
  stack.sim.set('added', { kind: 'dynatrace', token: 'tok-add-0010', license: 'quota_reached' })
  const keepPolls = (): number => stack.sim.requests.filter(r => r.cluster === 'keep' && r.path === '/api/cluster/v2/clusterLicense').length
  const next = before.replace(/ {2}- name: drop\n( {4}.*\n)+/, '') + `  - name: added\n    type: dynatrace_managed\n    url: ${stack.sim.baseUrl('added')}\n    token: tok-add-0010\n`
  writeFileSync(stack.configFile, next)
  const res = await stack.exporter.app.inject({ method: 'POST', url: '/-/reload' })
  t.equal(res.statusCode, 200)
  await waitFor(() => stack.exporter.store.get('added')?.up === true, 3000, 'added cluster polled')
  const m = (await stack.get('/metrics')).body
  t.equal(seriesValue(m, 'license_usage_status', { cluster: 'added', unit: 'dem', status: 'QUOTA_REACHED' }), 1)
  t.notMatch(m, /cluster="drop"/, 'removed cluster is gone entirely')
  t.equal(keepPolls(), 1, 'unchanged cluster kept its schedule (not re-polled)')

  writeFileSync(stack.configFile, 'global: { interval: soon }\n')
  const bad = await stack.exporter.app.inject({ method: 'POST', url: '/-/reload' })
  t.equal(bad.statusCode, 500)
  t.match(bad.body, /global\.interval/)
  const after = (await stack.get('/metrics')).body
  t.equal(seriesValue(after, 'license_exporter_config_last_reload_successful'), 0)
  t.equal(seriesValue(after, 'license_cluster_up', { cluster: 'added' }), 1, 'old config still running')
  t.equal((await stack.exporter.app.inject({ method: 'GET', url: '/-/reload' })).statusCode, 404, 'reload is POST only')
})
