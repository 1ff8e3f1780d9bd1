/**
 * Property-based fuzzing of everything that parses outside input: random JSON (and random bytes) into each
 * source's decoder and mapping, random YAML into the config loader. Never a crash: always a value or a
 * typed error (PollError('invalid_response') / ConfigError).
 */
import fc from 'fast-check'
import t from 'tap'
import { stringify } from 'yaml'
import { ConfigError, parseConfig } from '../../src/config/load.js'
import { PollError } from '../../src/sources/errors.js'
import { clusterLicenseSchema, environmentTotalSchema } from '../../src/sources/dynatrace/schema.js'
import { mapClusterLicense, mapEnvironmentTotal } from '../../src/sources/dynatrace/mapping.js'
import { decodeJsonNow as decodeJson } from '../../src/sources/decode.js'
import type { HttpResponse } from '../../src/sources/http.js'
import { bundledSchema, healthSchema, productsSchema, versionSchema } from '../../src/sources/ibm/schema.js'
import { mapBundled, mapProducts, unannotatedPods } from '../../src/sources/ibm/mapping.js'
import type { Sample } from '../../src/sources/types.js'

const RUNS = Number(process.env.FUZZ_RUNS ?? 300)
const response = (body: string): HttpResponse => ({ status: 200, contentType: 'application/json', body: Buffer.from(body) })

/** Run a parser; it must return samples (numbers, string labels) or throw an invalid_response PollError. */
function total (parse: (res: HttpResponse) => Sample[], body: string): boolean {
  try {
    const samples = parse(response(body))
    return samples.every(s => typeof s.value === 'number' && Object.values(s.labels).every(v => typeof v === 'string'))
  } catch (err) {
    return err instanceof PollError && err.reason === 'invalid_response'
  }
}

const PARSERS: Record<string, (res: HttpResponse) => Sample[]> = {
  'dynatrace clusterLicense': res => mapClusterLicense(decodeJson(res, clusterLicenseSchema, 'clusterLicense')),
  'dynatrace environment/total': res => mapEnvironmentTotal(decodeJson(res, environmentTotalSchema, 'environment/total')),
  'ibm products': res => mapProducts(decodeJson(res, productsSchema, 'products'), [{ product: 'A', unit: 'VPC', quota: 3 }]),
  'ibm bundled_products': res => mapBundled(decodeJson(res, bundledSchema, 'bundled_products')),
  'ibm health': res => { const n = unannotatedPods(decodeJson(res, healthSchema, 'health')); return n === undefined ? [] : [{ metric: 'license_unannotated_pods', labels: {}, value: n }] },
  'ibm version': res => { decodeJson(res, versionSchema, 'version'); return [] },
}

// Values that look like the vendors' fields, with the wrong types mixed in.
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.string(), fc.constantFrom('USING_QUOTA', 'OVERAGE_QUOTA_REACHED', '2026-11-22', '1795334400000', '-1', ''))
const unitLike = fc.dictionary(fc.constantFrom('quota', 'usage', 'remaining', 'usagePercent', 'usageStatus', 'overageUsage', 'remainingPercent'), fc.oneof(scalar, fc.dictionary(fc.constantFrom('overageQuota', 'overageUsage', 'overageUsagePercent', 'remainingOverage'), scalar)))
const licenseLike = fc.dictionary(fc.constantFrom('accountName', 'licenseName', 'licenseStatus', 'licenseType', 'productVersion', 'lastBillingTime', 'licenseExpirationTime', 'licenseKey', 'usageOfDduUnits', 'usageOfDemUnits', 'usageOfHostUnits'), fc.oneof(scalar, unitLike))
const productLike = fc.dictionary(fc.constantFrom('name', 'id', 'metricName', 'metricQuantity', 'metricPeakDate', 'productName', 'cloudpakId', 'metricConvertedQuantity', 'incompleteAnnotations', 'pods', 'count', 'version'), fc.oneof(scalar, fc.array(fc.dictionary(fc.constantFrom('name', 'namespace'), scalar), { maxLength: 3 })))
const vendorish = fc.oneof(licenseLike, fc.array(productLike, { maxLength: 6 }), productLike, fc.jsonValue())

for (const [name, parse] of Object.entries(PARSERS)) {
  t.test(`fuzz ${name}: random JSON is a value or invalid_response`, async t => {
    fc.assert(fc.property(vendorish, v => total(parse, JSON.stringify(v))), { numRuns: RUNS })
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), s => total(parse, s)), { numRuns: RUNS })
    t.pass(`${RUNS * 2} inputs`)
  })
}

const clusterish = fc.dictionary(
  fc.constantFrom('name', 'type', 'url', 'token', 'token_file', 'labels', 'tls', 'interval', 'timeout', 'auth', 'entitlements', 'snapshot', 'stale_after', 'extra'),
  fc.oneof(scalar, fc.constantFrom('dynatrace_managed', 'ibm_license_service', 'https://a.example.com', '5m', 'bearer'), fc.dictionary(fc.string({ maxLength: 8 }), scalar, { maxKeys: 3 }), fc.array(fc.dictionary(fc.constantFrom('product', 'product_id', 'unit', 'quota'), scalar), { maxLength: 2 }))
)
const configish = fc.oneof(
  fc.record({ global: fc.dictionary(fc.constantFrom('interval', 'timeout', 'concurrency', 'stale_after', 'entitlements', 'max_response_bytes'), scalar), clusters: fc.array(clusterish, { maxLength: 4 }) }, { requiredKeys: [] }),
  fc.jsonValue()
)

t.test('fuzz config loader: random YAML is a Config or a ConfigError', async t => {
  const ok = async (text: string): Promise<boolean> => {
    try {
      const c = await parseConfig(text, 'fuzz.yaml', {})
      return Array.isArray(c.clusters)
    } catch (err) {
      return err instanceof ConfigError && err.problems.length > 0 && err.problems.every(p => typeof p === 'string' && p.includes(': '))
    }
  }
  await fc.assert(fc.asyncProperty(configish, async v => ok(stringify(v))), { numRuns: RUNS })
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 300 }), async s => ok(s)), { numRuns: RUNS })
  t.pass(`${RUNS * 2} documents`)
})
