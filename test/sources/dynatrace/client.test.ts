import t from 'tap'
import { PollError } from '../../../src/sources/errors.js'
import { createLogger } from '../../../src/util/logger.js'
import { clusterLicenseSchema, environmentTotalSchema } from '../../../src/sources/dynatrace/schema.js'
import { isRunning, mapClusterLicense, mapEnvironmentTotal } from '../../../src/sources/dynatrace/mapping.js'
import { dynatraceSource } from '../../../src/sources/dynatrace/client.js'
import { decodeJsonNow } from '../../../src/sources/decode.js'
import { createHttpTarget } from '../../../src/sources/http.js'
import type { Sample } from '../../../src/sources/types.js'
import { FAKE_CONTACT_EMAIL, FAKE_LICENSE_KEY, LICENSE_PRESETS, clusterLicense, environmentTotal } from '../../simulator/dynatrace.js'
import { startSimulator, type DynatraceScenario, type Fault } from '../../simulator/server.js'
import { LogCapture } from '../../helpers.js'

const find = (samples: Sample[], metric: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find(s => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
const mapPreset = (name: keyof typeof LICENSE_PRESETS): Sample[] => mapClusterLicense(clusterLicenseSchema.parse(LICENSE_PRESETS[name]()))

t.test('documented shape maps to every Dynatrace row', async t => {
  const s = mapPreset('overage_quota_reached')
  t.equal(find(s, 'license_usage', { unit: 'ddu', product: 'dynatrace', product_id: '' }), 1_000_000)
  t.equal(find(s, 'license_quota', { unit: 'ddu' }), 1_000_000)
  t.equal(find(s, 'license_remaining', { unit: 'ddu' }), 0)
  t.equal(find(s, 'license_usage_ratio', { unit: 'ddu' }), 1)
  t.equal(find(s, 'license_usage_ratio', { unit: 'host' }), 0.6)
  t.equal(find(s, 'license_usage_status', { unit: 'ddu', status: 'OVERAGE_QUOTA_REACHED' }), 1)
  t.equal(find(s, 'license_usage_status', { unit: 'ddu', status: 'USING_QUOTA' }), 0)
  t.equal(s.filter(x => x.metric === 'license_usage_status' && x.labels.unit === 'ddu').length, 4, 'a state set of the four known states')
  t.equal(find(s, 'license_overage_quota', { unit: 'ddu' }), 250_000)
  t.equal(find(s, 'license_overage_usage', { unit: 'ddu' }), 250_000)
  t.equal(find(s, 'license_overage_remaining', { unit: 'ddu' }), 0)
  t.equal(find(s, 'license_overage_ratio', { unit: 'ddu' }), 1)
  t.equal(find(s, 'license_overage_usage', { unit: 'host' }), undefined, 'no overage block, no overage series')
  t.equal(find(s, 'license_info', { license_name: 'Simulated Enterprise', license_type: 'PAID', license_status: 'ACTIVE', account: 'Simulated Corp', version: '1.330.12.20261101-120000' }), 1)
  t.equal(find(s, 'license_expiry_timestamp_seconds'), Date.parse('2027-06-30T00:00:00Z') / 1000)
  t.equal(find(s, 'license_billing_timestamp_seconds'), Date.parse('2026-11-22T08:00:00Z') / 1000)
})

t.test('overage without a limit: usage but no quota, remaining or ratio', async t => {
  const s = mapPreset('overage_unlimited')
  t.equal(find(s, 'license_overage_usage', { unit: 'host' }), 17.5)
  t.equal(find(s, 'license_overage_quota', { unit: 'host' }), undefined)
  t.equal(find(s, 'license_overage_ratio', { unit: 'host' }), undefined)
  t.equal(find(s, 'license_overage_remaining', { unit: 'host' }), undefined)
})

t.test('empty unit objects give no series for those units (never a made-up 0)', async t => {
  const s = mapPreset('empty_units')
  t.ok(find(s, 'license_usage', { unit: 'ddu' }) !== undefined)
  t.equal(s.filter(x => x.labels.unit === 'dem' || x.labels.unit === 'host').length, 0)
})

t.test('nulls and missing fields are absent series; info keeps empty labels', async t => {
  const s = mapPreset('nulls')
  t.equal(find(s, 'license_usage', { unit: 'ddu' }), 12.5)
  t.equal(find(s, 'license_quota', { unit: 'ddu' }), undefined)
  t.equal(find(s, 'license_usage_status', { unit: 'ddu' }), undefined)
  t.equal(find(s, 'license_expiry_timestamp_seconds'), undefined)
  t.equal(find(s, 'license_billing_timestamp_seconds'), undefined)
  t.equal(find(s, 'license_info', { license_name: '', account: '', version: '' }), 1)
  t.equal(s.length, 2, 'usage and info only')
})

t.test('quota -1 means unlimited; epoch-ms timestamps; unknown status gets its own series', async t => {
  const s = mapPreset('unlimited')
  t.equal(find(s, 'license_usage', { unit: 'ddu' }), 77_000)
  t.equal(find(s, 'license_quota', { unit: 'ddu' }), undefined)
  t.equal(find(s, 'license_remaining', { unit: 'ddu' }), undefined)
  t.equal(find(s, 'license_usage_ratio', { unit: 'ddu' }), undefined)
  t.equal(find(s, 'license_billing_timestamp_seconds'), 1_795_334_400)
  t.equal(find(s, 'license_expiry_timestamp_seconds'), 1_830_297_600)
  t.equal(find(s, 'license_usage_status', { unit: 'dem', status: 'FUTURE_STATUS' }), 1)
  t.equal(s.filter(x => x.metric === 'license_usage_status' && x.labels.unit === 'dem').length, 5)
  t.equal(find(s, 'license_info', { license_status: 'SOMETHING_NEW' }), 1)
})

t.test('timestamps: ISO with and without ms, bare dates, epoch ms as number or string, garbage', async t => {
  const expiry = (v: unknown): number | undefined => find(mapClusterLicense(clusterLicenseSchema.parse(clusterLicense({ licenseExpirationTime: v }))), 'license_expiry_timestamp_seconds')
  t.equal(expiry('2027-01-02T03:04:05Z'), Date.UTC(2027, 0, 2, 3, 4, 5) / 1000)
  t.equal(expiry('2027-01-02T03:04:05.250Z'), Date.UTC(2027, 0, 2, 3, 4, 5, 250) / 1000)
  t.equal(expiry('2027-01-02'), Date.UTC(2027, 0, 2) / 1000)
  t.equal(expiry(1798848000000), 1798848000)
  t.equal(expiry('1798848000000'), 1798848000)
  t.equal(expiry('not a date'), undefined)
  t.equal(expiry(''), undefined)
})

t.test('secrets are dropped at the edge: no sample carries the license key or e-mail', async t => {
  const parsed = clusterLicenseSchema.parse(clusterLicense())
  t.notOk('licenseKey' in parsed)
  t.notOk('contactEmailAddress' in parsed)
  const text = JSON.stringify(mapClusterLicense(parsed))
  t.notMatch(text, FAKE_LICENSE_KEY)
  t.notMatch(text, FAKE_CONTACT_EMAIL)
})

t.test('wrong shapes are refused', async t => {
  t.notOk(clusterLicenseSchema.safeParse([]).success, 'an array')
  t.notOk(clusterLicenseSchema.safeParse({ usageOfDduUnits: { usage: '10' } }).success, 'numbers as strings')
  t.notOk(clusterLicenseSchema.safeParse({ usageOfDduUnits: 5 }).success, 'a unit that is not an object')
  t.notOk(clusterLicenseSchema.safeParse({}).success, 'an empty object is not a license')
  t.notOk(clusterLicenseSchema.safeParse({ error: { code: 500, message: 'internal' } }).success, 'an error object with status 200 is not a license')
  t.ok(clusterLicenseSchema.safeParse({ usageOfHostUnits: { usage: 1 } }).success, 'one unit is enough')
  const res = { status: 200, contentType: 'application/json', body: Buffer.from('{"error":{"code":500}}') }
  t.throws(() => decodeJsonNow(res, clusterLicenseSchema, 'clusterLicense'), { reason: 'invalid_response', message: /clusterLicense: unexpected shape at \(top level\): none of usageOfDduUnits/ })
})

t.test('environment totals and health', async t => {
  const s = mapEnvironmentTotal(environmentTotalSchema.parse(environmentTotal(2)))
  t.equal(s.length, 6)
  t.equal(find(s, 'license_environment_usage', { environment: '00000001-aaaa-bbbb-cccc-000000000001', unit: 'host' }), 20)
  t.same(mapEnvironmentTotal(environmentTotalSchema.parse({ totalLicenseUsageDataPerEnvironment: null })), [])
  t.same(mapEnvironmentTotal(environmentTotalSchema.parse({})), [])
  t.ok(isRunning('RUNNING'))
  t.ok(isRunning('"RUNNING"\n'))
  t.notOk(isRunning('STARTING'))
})

async function pollAgainst (t: { teardown (fn: () => unknown): void }, scenario: DynatraceScenario, token: string | undefined = scenario.token, timeoutMs = 2000) {
  const sim = await startSimulator({ c1: scenario })
  const http = createHttpTarget({ url: sim.baseUrl('c1'), tls: { insecure_skip_verify: false }, maxResponseBytes: 256 * 1024, timeoutMs })
  t.teardown(async () => { await http.connections.destroy(); await sim.close() })
  const cluster = dynatraceSource.schema.parse({ name: 'c1', type: 'dynatrace_managed', url: sim.baseUrl('c1') })
  const result = await dynatraceSource.poll(cluster, { signal: AbortSignal.timeout(timeoutMs), http, token, log: createLogger('silent', new LogCapture()) })
    .then(outcome => ({ outcome, error: undefined }), (error: unknown) => ({ outcome: undefined, error: error as PollError }))
  return { ...result, sim }
}

t.test('poll over HTTP: Api-Token header on the API, none on /rest/health', async t => {
  const { outcome, sim } = await pollAgainst(t, { kind: 'dynatrace', token: 'dt0c01.TESTTOKEN.abc', license: 'using_overage' })
  t.ok(outcome)
  t.equal(find(outcome!.samples, 'license_usage_status', { unit: 'host', status: 'USING_OVERAGE' }), 1)
  t.equal(find(outcome!.samples, 'license_cluster_healthy'), 1)
  t.equal(outcome!.samples.filter(s => s.metric === 'license_environment_usage').length, 9)
  t.same(outcome!.endpoints, { clusterLicense: true, environment_total: true, health: true })
  const byPath = Object.fromEntries(sim.requests.map(r => [r.path, r.headers.authorization]))
  t.equal(byPath['/api/cluster/v2/clusterLicense'], 'Api-Token dt0c01.TESTTOKEN.abc')
  t.equal(byPath['/api/cluster/v2/clusterLicense/environment/total'], 'Api-Token dt0c01.TESTTOKEN.abc')
  t.equal(byPath['/rest/health'], undefined, 'no token to the unauthenticated endpoint')
})

t.test('older cluster: 404 on the optional endpoints degrades only them', async t => {
  const { outcome } = await pollAgainst(t, { kind: 'dynatrace', token: 'tok-older-1', missing: ['environment_total', 'health'] })
  t.ok(outcome)
  t.ok(find(outcome!.samples, 'license_usage', { unit: 'ddu' }) !== undefined)
  t.equal(find(outcome!.samples, 'license_cluster_healthy'), undefined)
  t.same(outcome!.partFailures.map(p => [p.part, p.reason]), [['environment_total', 'not_found'], ['health', 'not_found']])
})

const faults: Array<[string, Fault, string]> = [
  ['401', { kind: 'status', status: 401 }, 'auth'],
  ['403', { kind: 'status', status: 403 }, 'auth'],
  ['404', { kind: 'status', status: 404 }, 'not_found'],
  ['422 (other licensing model)', { kind: 'status', status: 422 }, 'http_4xx'],
  ['429', { kind: 'status', status: 429, headers: { 'retry-after': '120' } }, 'rate_limited'],
  ['500', { kind: 'status', status: 500 }, 'http_5xx'],
  ['503 HTML', { kind: 'status', status: 503, body: '<html>down</html>', contentType: 'text/html' }, 'http_5xx'],
  ['HTML with 200', { kind: 'html' }, 'invalid_response'],
  ['truncated JSON', { kind: 'truncated' }, 'invalid_response'],
  ['wrong shape', { kind: 'wrong_shape' }, 'invalid_response'],
  ['numbers as strings', { kind: 'numbers_as_strings' }, 'invalid_response'],
  ['huge body', { kind: 'huge', bytes: 2 * 1024 * 1024 }, 'too_large'],
  ['redirect', { kind: 'redirect', location: 'http://127.0.0.2:1/steal' }, 'redirect'],
  ['connection reset', { kind: 'reset' }, 'connect'],
]
for (const [name, fault, reason] of faults) {
  t.test(`fault: ${name} -> ${reason}`, async t => {
    const { error } = await pollAgainst(t, { kind: 'dynatrace', token: 'tok-fault-1', fault })
    t.type(error, PollError)
    t.equal(error?.reason, reason)
    t.notMatch(error?.message ?? '', 'tok-fault-1')
    if (reason === 'rate_limited') t.ok((error?.retryAtMs ?? 0) > Date.now() + 100_000, 'Retry-After is honoured')
  })
}

t.test('wrong token -> auth, and the token is not in the message', async t => {
  const { error } = await pollAgainst(t, { kind: 'dynatrace', token: 'right-token' }, 'wrong-token-xyz')
  t.equal(error?.reason, 'auth')
  t.notMatch(error?.message ?? '', 'wrong-token-xyz')
})

t.test('hanging cluster -> timeout at the deadline', async t => {
  const started = Date.now()
  const { error } = await pollAgainst(t, { kind: 'dynatrace', token: 'tok-hang', fault: { kind: 'hang' } }, 'tok-hang', 300)
  t.equal(error?.reason, 'timeout')
  t.ok(Date.now() - started < 2000, 'aborted near the deadline')
})

t.test('connection refused -> connect', async t => {
  const sim = await startSimulator({})
  const url = sim.baseUrl('gone')
  await sim.close()
  const http = createHttpTarget({ url, tls: { insecure_skip_verify: false }, maxResponseBytes: 1024, timeoutMs: 1000 })
  t.teardown(() => http.connections.destroy())
  const cluster = dynatraceSource.schema.parse({ name: 'gone', type: 'dynatrace_managed', url })
  const err = await dynatraceSource.poll(cluster, { signal: AbortSignal.timeout(1000), http, token: 'x', log: createLogger('silent') })
    .then(() => undefined, (e: unknown) => e as PollError)
  t.equal(err?.reason, 'connect')
})
