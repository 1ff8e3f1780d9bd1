import t from 'tap'
import type { PollError } from '../../../src/sources/errors.js'
import { createLogger } from '../../../src/util/logger.js'
import { bundledSchema, healthSchema, productsSchema } from '../../../src/sources/ibm/schema.js'
import { mapBundled, mapProducts, unannotatedPods } from '../../../src/sources/ibm/mapping.js'
import { ibmSource } from '../../../src/sources/ibm/client.js'
import { createHttpTarget } from '../../../src/sources/http.js'
import type { Sample } from '../../../src/sources/types.js'
import { bundledProducts, health, products } from '../../simulator/ibm.js'
import { startSimulator, type IbmScenario } from '../../simulator/server.js'

const find = (samples: readonly Sample[], metric: string, labels: Record<string, string> = {}): number | undefined =>
  samples.find(s => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
const APIC = { product: 'IBM API Connect Enterprise', product_id: '2c717d4ecc924aa5ac345015b55492eb' }

t.test('products map to usage and peak per product and unit', async t => {
  const s = mapProducts(productsSchema.parse(products()), [])
  t.equal(find(s, 'license_usage', { ...APIC, unit: 'VIRTUAL_PROCESSOR_CORE' }), 8)
  t.equal(find(s, 'license_usage', { ...APIC, unit: 'PROCESSOR_VALUE_UNIT' }), 3360)
  t.equal(find(s, 'license_peak_timestamp_seconds', { ...APIC, unit: 'PROCESSOR_VALUE_UNIT' }), Date.UTC(2026, 10, 2) / 1000)
  t.equal(s.filter(x => x.metric === 'license_usage').length, 4)
  t.equal(find(s, 'license_quota'), undefined, 'no entitlement, no quota')
})

t.test('entitlements by name or id and unit give quota, remaining and ratio', async t => {
  const s = mapProducts(productsSchema.parse(products()), [
    { product: 'IBM API Connect Enterprise', unit: 'VIRTUAL_PROCESSOR_CORE', quota: 32 },
    { product_id: '208423bb063c43288328b1d788745b0c', unit: 'VIRTUAL_PROCESSOR_CORE', quota: 4 },
    { product: 'IBM Db2', unit: 'VIRTUAL_PROCESSOR_CORE', quota: 10 },
  ])
  t.equal(find(s, 'license_quota', { ...APIC, unit: 'VIRTUAL_PROCESSOR_CORE' }), 32)
  t.equal(find(s, 'license_remaining', { ...APIC, unit: 'VIRTUAL_PROCESSOR_CORE' }), 24)
  t.equal(find(s, 'license_usage_ratio', { ...APIC, unit: 'VIRTUAL_PROCESSOR_CORE' }), 0.25)
  t.equal(find(s, 'license_quota', { ...APIC, unit: 'PROCESSOR_VALUE_UNIT' }), undefined, 'unit must match')
  t.equal(find(s, 'license_usage_ratio', { product: 'IBM MQ Advanced' }), 1, 'matched by product id, labels of the usage')
  t.equal(find(s, 'license_quota', { product: 'IBM Db2', product_id: '' }), 10, 'entitlement without usage: quota only')
  t.equal(find(s, 'license_remaining', { product: 'IBM Db2' }), undefined)
})

t.test('awkward records: empty list, missing fields, duplicates', async t => {
  t.same(mapProducts(productsSchema.parse([]), []), [])
  const s = mapProducts(productsSchema.parse([
    { name: 'X', id: 'x1', metricName: 'VPC', metricQuantity: 2, metricPeakDate: '2026-01-01' },
    { name: 'X', id: 'x1', metricName: 'VPC', metricQuantity: 3, metricPeakDate: '2026-02-01' },
    { name: null, metricQuantity: 5 },
    { name: 'Y', metricQuantity: null },
    { name: 'Z', metricQuantity: 1 },
  ]), [])
  t.equal(find(s, 'license_usage', { product: 'X' }), 5, 'duplicates summed')
  t.equal(find(s, 'license_peak_timestamp_seconds', { product: 'X' }), Date.UTC(2026, 1, 1) / 1000, 'latest peak')
  t.equal(find(s, 'license_usage', { product: 'Z', product_id: '', unit: '' }), 1)
  t.equal(s.filter(x => x.metric === 'license_usage').length, 2)
  t.notOk(productsSchema.safeParse({ products: [] }).success, 'an object is not a product list')
  t.notOk(productsSchema.safeParse([{ name: 'X', metricQuantity: '3' }]).success, 'numbers as strings are refused')
})

t.test('bundled products and health', async t => {
  const b = mapBundled(bundledSchema.parse(bundledProducts()))
  t.equal(find(b, 'license_bundled_usage', { product: 'IBM MQ', cloudpak_id: 'c8b82d189e7545f0892db9ef2731b90d', cloudpak_metric: 'VIRTUAL_PROCESSOR_CORE', unit: 'VIRTUAL_PROCESSOR_CORE' }), 14)
  t.equal(b.length, 2)
  t.same(mapBundled(bundledSchema.parse([])), [])
  t.equal(unannotatedPods(healthSchema.parse(health(3))), 3)
  t.equal(unannotatedPods(healthSchema.parse({ count: 2 })), 2, 'count at the top level')
  t.equal(unannotatedPods(healthSchema.parse({ incompleteAnnotations: { count: 9, pods: [] } })), 0, 'the list wins over the count')
  t.equal(unannotatedPods(healthSchema.parse({})), undefined)
})

async function pollIbm (t: { teardown (fn: () => unknown): void }, scenario: IbmScenario, opts: { token?: string, auth?: 'url_token' | 'bearer', prefix?: string } = {}) {
  const sim = await startSimulator({ ocp: scenario })
  const url = sim.baseUrl('ocp') + (opts.prefix ?? '')
  const http = createHttpTarget({ url, tls: { insecure_skip_verify: false }, maxResponseBytes: 1024 * 1024, timeoutMs: 2000 })
  t.teardown(async () => { await http.connections.destroy(); await sim.close() })
  const cluster = ibmSource.schema.parse({ name: 'ocp', type: 'ibm_license_service', url, auth: opts.auth ?? scenario.auth ?? 'url_token' })
  const token = 'token' in opts ? opts.token : scenario.token
  const result = await ibmSource.poll(cluster, { signal: AbortSignal.timeout(2000), http, token, log: createLogger('silent') })
    .then(outcome => ({ outcome, error: undefined }), (error: unknown) => ({ outcome: undefined, error: error as PollError }))
  return { ...result, sim }
}

t.test('URL token auth: token in the query of authenticated endpoints only', async t => {
  const { outcome, sim } = await pollIbm(t, { kind: 'ibm', token: 'ibm-url-token-0001', unannotated: 2 })
  t.ok(outcome)
  t.equal(find(outcome!.samples, 'license_usage', { product: 'IBM MQ Advanced' }), 4)
  t.equal(find(outcome!.samples, 'license_unannotated_pods'), 2)
  t.equal(find(outcome!.samples, 'license_cluster_healthy'), 1)
  t.equal(find(outcome!.samples, 'license_info', { version: '4.2.9' }), 1)
  t.equal(outcome!.samples.filter(s => s.metric === 'license_bundled_usage').length, 2)
  const paths = sim.requests.map(r => r.path).sort()
  t.same(paths, ['/bundled_products?token=ibm-url-token-0001', '/health?token=ibm-url-token-0001', '/products?token=ibm-url-token-0001', '/version'])
})

t.test('bearer auth', async t => {
  const { outcome, sim } = await pollIbm(t, { kind: 'ibm', token: 'ibm-bearer-token-0002', auth: 'bearer' })
  t.ok(outcome)
  const products = sim.requests.find(r => r.path === '/products')
  t.equal(products?.headers.authorization, 'Bearer ibm-bearer-token-0002')
  t.equal(sim.requests.find(r => r.path === '/version')?.headers.authorization, undefined)
})

t.test('a path prefix in the base URL is kept (Gateway/Ingress publishing)', async t => {
  const sim = await startSimulator({ 'ibm-licensing-service-instance': { kind: 'ibm', token: 'ibm-prefix-token' } })
  const url = sim.baseUrl('ibm-licensing-service-instance')
  const http = createHttpTarget({ url, tls: { insecure_skip_verify: false }, maxResponseBytes: 1024 * 1024, timeoutMs: 2000 })
  t.teardown(async () => { await http.connections.destroy(); await sim.close() })
  const cluster = ibmSource.schema.parse({ name: 'p', type: 'ibm_license_service', url })
  const outcome = await ibmSource.poll(cluster, { signal: AbortSignal.timeout(2000), http, token: 'ibm-prefix-token', log: createLogger('silent') })
  t.ok(find(outcome.samples, 'license_usage') !== undefined)
  t.ok(sim.requests.every(r => r.cluster === 'ibm-licensing-service-instance'))
})

t.test('wrong token: the HTML 401 page is a clear auth reason without the token', async t => {
  const { error } = await pollIbm(t, { kind: 'ibm', token: 'right-ibm-token' }, { token: 'wrong-ibm-token-0003' })
  t.equal(error?.reason, 'auth')
  t.notMatch(error?.message ?? '', 'wrong-ibm-token-0003')
  t.notMatch(error?.message ?? '', /JSON/)
})

t.test('HTML with status 200 is an invalid response naming the HTML page', async t => {
  const { error } = await pollIbm(t, { kind: 'ibm', token: 'ibm-token-html', fault: { kind: 'html' } })
  t.equal(error?.reason, 'invalid_response')
  t.match(error?.message, /HTML/)
})

t.test('403 and other 4xx', async t => {
  t.equal((await pollIbm(t, { kind: 'ibm', token: 'x-tok-1', fault: { kind: 'status', status: 403, body: '<b>Forbidden</b>', contentType: 'text/html' } })).error?.reason, 'auth')
  t.equal((await pollIbm(t, { kind: 'ibm', token: 'x-tok-2', fault: { kind: 'status', status: 400, body: '<b>Bad</b>', contentType: 'text/html' } })).error?.reason, 'http_4xx')
})

t.test('an older version without bundled_products, health and version degrades only those parts', async t => {
  const { outcome } = await pollIbm(t, { kind: 'ibm', token: 'ibm-old-token', missing: ['bundled_products', 'health', 'version'] })
  t.ok(outcome)
  t.ok(find(outcome!.samples, 'license_usage') !== undefined)
  t.equal(find(outcome!.samples, 'license_cluster_healthy'), 0, '/version does not answer: not healthy')
  t.equal(find(outcome!.samples, 'license_unannotated_pods'), undefined)
  t.same(outcome!.partFailures.map(p => p.part).sort(), ['bundled_products', 'health', 'version'])
  t.same(outcome!.endpoints, { products: true, bundled_products: false, health: false, version: false })
})

t.test('an empty [] from /products is a successful poll with no usage', async t => {
  const { outcome } = await pollIbm(t, { kind: 'ibm', token: 'ibm-empty-token', products: [], bundled: [] })
  t.ok(outcome)
  t.equal(outcome!.samples.filter(s => s.metric === 'license_usage').length, 0)
  t.equal(find(outcome!.samples, 'license_cluster_healthy'), 1)
})
