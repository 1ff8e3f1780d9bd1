/**
 * `--snapshot.store=s3://bucket/prefix?...`: what it names, and what it refuses rather than change or drop
 * silently (a resolved `..`, user info, a port, a fragment, a repeated or unknown parameter, a bad boolean,
 * broken percent-encoding). And an endpoint in the config carries no credentials (they would be logged).
 */
import t from 'tap'
import { parseStoreUrl } from '../../src/archive/store-url.js'
import { parseConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/schema.js'

const empty = { global: { interval: 300_000, timeout: 30_000, concurrency: 16, stale_after: 900_000, max_response_bytes: 4_194_304, entitlements: [] }, clusters: [] } as unknown as Config

t.test('a plain URL: bucket, prefix, endpoint, region, path style', async t => {
  const spec = parseStoreUrl('s3://evidence/prod/eu?endpoint=https%3A%2F%2Fminio.example%3A9000&region=eu-de&path_style=true', empty)
  t.not(typeof spec, 'string')
  if (typeof spec === 'string') return
  t.match(spec.s3, { bucket: 'evidence', prefix: 'prod/eu/', endpoint: 'https://minio.example:9000', region: 'eu-de', force_path_style: true })
  t.equal(spec.id, 'https://minio.example:9000/evidence/prod/eu/')
  const bare = parseStoreUrl('s3://evidence', empty)
  t.match(bare, { s3: { bucket: 'evidence', prefix: '', region: 'us-east-1', force_path_style: false } })
})

t.test('what cannot be honoured is refused, not changed or dropped', async t => {
  const refused: Array<[string, RegExp]> = [
    ['s3://evidence/a/../b', /"\." or "\.\." segment/],
    ['s3://evidence/%2e%2e/b', /"\." or "\.\." segment/],
    ['s3://evidence/./b', /"\." or "\.\." segment/],
    ['s3://user:pw@evidence/prod', /no user, password, port or fragment/],
    ['s3://evidence:9000/prod', /no user, password, port or fragment/],
    ['s3://evidence/prod#x', /no user, password, port or fragment/],
    ['s3://evidence/prod?path_style=yes', /path_style is true or false/],
    ['s3://evidence/prod?path_style=1', /path_style is true or false/],
    ['s3://evidence/prod?region=a&region=b', /"region" given more than once/],
    ['s3://evidence/prod?token=x', /unknown parameter "token"/],
    ['s3://evidence/%ZZ', /not valid percent-encoding/],
    ['http://evidence/prod', /expected s3:\/\/bucket\/prefix/],
    ['s3://Bad_Bucket/prod', /bucket/],
  ]
  for (const [url, why] of refused) {
    const r = parseStoreUrl(url, empty)
    t.equal(typeof r, 'string', url)
    t.match(r, why, url)
  }
})

t.test('an endpoint with user info, a query or a fragment is a config error', async t => {
  for (const endpoint of ['http://minio:secret-password@minio.example:9000', 'https://s3.example/?token=abc', 'https://s3.example/#x']) {
    const yaml = `clusters:\n  - { name: ocp, type: ibm_license_service, url: "http://127.0.0.1:9", token: t0k3n, snapshot: { directory: /tmp, store: { type: s3, bucket: evidence, endpoint: "${endpoint}" } } }\n`
    const err = await parseConfig(yaml, 'x.yaml', {}).catch((e: unknown) => e)
    t.match(err, { message: /no user, password, query or fragment/ }, endpoint)
    t.notMatch(String((err as Error).message), /secret-password/, 'the password is not quoted back')
  }
  const ok = 'clusters:\n  - { name: ocp, type: ibm_license_service, url: "http://127.0.0.1:9", token: t0k3n, snapshot: { directory: /tmp, store: { type: s3, bucket: evidence, endpoint: "https://s3.eu-de.cloud-object-storage.appdomain.cloud" } } }\n'
  await t.resolves(parseConfig(ok, 'x.yaml', {}))
})
