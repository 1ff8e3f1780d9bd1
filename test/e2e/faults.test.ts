/**
 * The fault matrix, per source, through the running exporter. Every victim cluster starts healthy, then
 * breaks in its own way; a healthy bystander shares the exporter. For each case: the right `reason` on
 * license_cluster_poll_errors_total, license_cluster_up 0, the bystander unaffected, the last good values kept
 * until stale_after and then removed, and the process still serving. Cases that can never start healthy
 * (DNS, TLS) check the reason, up 0 and the bystander.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startExporter } from '../../src/exporter.js'
import { createLogger } from '../../src/util/logger.js'
import { certs } from '../fixtures/certs.js'
import { startSimulator, type Fault, type Scenario, type Simulator } from '../simulator/server.js'
import { LogCapture, seriesValue, tempDir, waitFor } from '../helpers.js'

type Kind = 'dynatrace' | 'ibm'
const healthy = (kind: Kind, token: string): Scenario => (kind === 'ibm' ? { kind, token } : { kind, token })
const broken = (kind: Kind, token: string, fault: Fault): Scenario => (kind === 'ibm' ? { kind, token, fault } : { kind, token, fault })

const FLIP_CASES: Array<[string, Fault, string]> = [
  ['timeout-before-headers', { kind: 'hang' }, 'timeout'],
  ['body-drips-past-deadline', { kind: 'drip', ms: 5000 }, 'timeout'],
  ['http-401', { kind: 'status', status: 401, body: '<b>Unauthorized</b>', contentType: 'text/html' }, 'auth'],
  ['http-403', { kind: 'status', status: 403 }, 'auth'],
  ['http-404', { kind: 'status', status: 404 }, 'not_found'],
  ['http-422', { kind: 'status', status: 422 }, 'http_4xx'],
  ['http-429-retry-after', { kind: 'status', status: 429, headers: { 'retry-after': '120' } }, 'rate_limited'],
  ['http-429-bare', { kind: 'status', status: 429 }, 'rate_limited'],
  ['http-500', { kind: 'status', status: 500 }, 'http_5xx'],
  ['http-503', { kind: 'status', status: 503, body: '<html>maintenance</html>', contentType: 'text/html' }, 'http_5xx'],
  ['html-with-200', { kind: 'html' }, 'invalid_response'],
  ['truncated-json', { kind: 'truncated' }, 'invalid_response'],
  ['body-shorter-than-announced', { kind: 'short_body' }, 'invalid_response'],
  ['header-overflow', { kind: 'header_overflow' }, 'invalid_response'],
  ['not-http', { kind: 'not_http' }, 'invalid_response'],
  ['wrong-shape', { kind: 'wrong_shape' }, 'invalid_response'],
  ['numbers-as-strings', { kind: 'numbers_as_strings' }, 'invalid_response'],
  ['body-100mb', { kind: 'huge', bytes: 100 * 1024 * 1024 }, 'too_large'],
  ['redirect-elsewhere', { kind: 'redirect', location: 'REPLACED' }, 'redirect'],
]

for (const kind of ['dynatrace', 'ibm'] as const) {
  t.test(`fault matrix: ${kind}`, async t => {
    const type = kind === 'ibm' ? 'ibm_license_service' : 'dynatrace_managed'
    const c = certs()
    const tok = (name: string): string => `faulttok-${kind}-${name}`
    const sim = await startSimulator({ bystander: healthy(kind, tok('bystander')), ...Object.fromEntries(FLIP_CASES.map(([n]) => [n, healthy(kind, tok(n))])) })
    const refusing = await startSimulator({ 'connection-refused': healthy(kind, tok('connection-refused')) })
    const elsewhere = await startSimulator({}) // the redirect target: must never see a request
    const tlsSim = (cert: string): Promise<Simulator> => startSimulator({ x: healthy(kind, tok('tls')) }, { tls: { key: readFileSync(c.serverKey), cert: readFileSync(cert) } })
    const [tlsGood, tlsExpired] = await Promise.all([tlsSim(c.serverCert), tlsSim(c.expiredCert)])
    t.teardown(async () => { await Promise.all([sim, refusing, elsewhere, tlsGood, tlsExpired].map(s => s.close())) })

    const entries: Array<[string, string, string[]]> = [
      ['bystander', sim.baseUrl('bystander'), []],
      ...FLIP_CASES.map(([n]): [string, string, string[]] => [n, sim.baseUrl(n), []]),
      ['connection-refused', refusing.baseUrl('connection-refused'), []],
      ['dns-failure', 'http://license-exporter-test.invalid/x', []],
      ['tls-unknown-ca', tlsGood.baseUrl('x'), [`tls: { ca_file: ${c.otherCaCert} }`]],
      ['tls-expired', tlsExpired.baseUrl('x'), [`tls: { ca_file: ${c.caCert} }`]],
      ['tls-wrong-host', tlsGood.baseUrl('wrong-host'), [`tls: { ca_file: ${c.caCert}, server_name: ibm.example.com }`]],
    ]
    const dir = tempDir()
    const lines = ['global: { interval: 300ms, timeout: 2s, stale_after: 10s, concurrency: 32 }', 'clusters:']
    for (const [name, url, extra] of entries) {
      const token = name.startsWith('tls') ? tok('tls') : tok(name)
      lines.push(`  - name: ${name}`, `    type: ${type}`, `    url: ${url}`, `    token: ${token}`, ...extra.map(e => `    ${e}`))
    }
    writeFileSync(join(dir, 'config.yaml'), `${lines.join('\n')}\n`)
    const logs = new LogCapture()
    const exporter = await startExporter({ configFile: join(dir, 'config.yaml'), host: '127.0.0.1', port: 0, staleCheckMs: 50, logger: createLogger('info', logs) })
    t.teardown(() => exporter.close())
    const metrics = async (): Promise<string> => {
      await exporter.clusterMetrics.refresh()
      return (await exporter.app.inject({ method: 'GET', url: '/metrics' })).body
    }

    // Round one: the flip victims and the refusing one are healthy and have license values.
    await waitFor(() => [...FLIP_CASES.map(([n]) => n), 'bystander', 'connection-refused'].every(n => exporter.store.get(n)?.up === true), 10_000, 'healthy first round')
    const before = await metrics()
    for (const [n] of FLIP_CASES) t.ok(seriesValue(before, 'license_usage', { cluster: n }) !== undefined, `${n}: values before the fault`)

    // Break them.
    for (const [n, fault] of FLIP_CASES) {
      const f: Fault = fault.kind === 'redirect' ? { kind: 'redirect', location: `${elsewhere.url}/steal` } : fault
      sim.set(n, broken(kind, tok(n), f))
    }
    await refusing.close()

    const expected: Array<[string, string]> = [
      ...FLIP_CASES.map(([n, , r]): [string, string] => [n, r]),
      ['connection-refused', 'connect'], ['dns-failure', 'connect'],
      ['tls-unknown-ca', 'tls'], ['tls-expired', 'tls'], ['tls-wrong-host', 'tls'],
    ]
    const down = await waitFor(async () => {
      const m = await metrics()
      return expected.every(([n, r]) => seriesValue(m, 'license_cluster_up', { cluster: n }) === 0 && (seriesValue(m, 'license_cluster_poll_errors_total', { cluster: n, reason: r }) ?? 0) >= 1) ? m : undefined
    }, 20_000, 'every victim down with its reason')
    for (const [n, r] of expected) {
      t.equal(seriesValue(down, 'license_cluster_up', { cluster: n }), 0, `${n}: up 0`)
      t.ok((seriesValue(down, 'license_cluster_poll_errors_total', { cluster: n, reason: r }) ?? 0) >= 1, `${n}: reason ${r}`)
      t.equal(exporter.store.get(n)?.lastError?.reason, r, `${n}: last error ${r}`)
    }
    for (const [n] of FLIP_CASES) t.ok(seriesValue(down, 'license_usage', { cluster: n }) !== undefined, `${n}: last good values kept while fresh`)
    t.ok(seriesValue(down, 'license_usage', { cluster: 'connection-refused' }) !== undefined, 'connection-refused: last good values kept while fresh')
    t.equal(seriesValue(down, 'license_cluster_up', { cluster: 'bystander' }), 1, 'bystander unaffected')
    t.equal((await exporter.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'still serving')
    t.same(elsewhere.requests, [], 'the redirect was not followed: the other host saw no request (and no token)')
    t.ok(exporter.store.get('http-429-retry-after')!.retryAtMs! > Date.now() + 100_000, 'Retry-After honoured')

    // After stale_after the victims' license values go; their health series stay; the bystander keeps its.
    const stale = await waitFor(async () => {
      const m = await metrics()
      return [...FLIP_CASES.map(([n]) => n), 'connection-refused'].every(n => seriesValue(m, 'license_usage', { cluster: n }) === undefined) ? m : undefined
    }, 25_000, 'stale values removed')
    for (const [n] of FLIP_CASES) t.equal(seriesValue(stale, 'license_cluster_up', { cluster: n }), 0, `${n}: health series stay after stale`)
    t.ok(seriesValue(stale, 'license_usage', { cluster: 'bystander' }) !== undefined, 'bystander values stay')
    t.equal((await exporter.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, 'still serving /metrics')
    for (const [n] of entries) t.notMatch(logs.text, tok(n), `${n}: token not logged`)
  })
}
