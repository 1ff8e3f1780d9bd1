import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js'
import { effectiveSettings } from '../../src/config/schema.js'
import { tempDir } from '../helpers.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'config')

t.test('the example config is valid and documents the defaults', async t => {
  const dir = tempDir()
  writeFileSync(join(dir, 'tok'), 'file-token-value\n')
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'config', 'example.yaml'), 'utf8')
    .replace('/run/secrets/dt-prod-eu', join(dir, 'tok')).replace('/run/secrets/ibm-ocp1', join(dir, 'tok'))
    .replace('/var/run/secrets/kubernetes.io/serviceaccount/token', join(dir, 'tok'))
  const config = await parseConfig(text, 'example.yaml', { DT_PROD_US_TOKEN: 'x'.repeat(20) })
  t.equal(config.clusters.length, 4)
  t.equal(config.clusters[0]?.token, 'file-token-value')
  t.equal(config.global.entitlements.length, 1)
  const ibm = config.clusters[2]
  t.equal(ibm?.type, 'ibm_license_service')
  if (ibm?.type === 'ibm_license_service') {
    t.equal(ibm.entitlements.length, 2)
    t.same(ibm.snapshot, { directory: '/var/lib/license-exporter/snapshots', interval: 86_400_000, keep: 30, timeout: 300_000, max_bytes: 67_108_864 })
  }
  t.same({ ...config.global, entitlements: [] }, { interval: 300_000, timeout: 30_000, concurrency: 16, stale_after: 900_000, max_response_bytes: 4_194_304, entitlements: [] })
  t.equal(config.clusters[1]?.token, 'x'.repeat(20))
  t.same(config.clusters[0]?.labels, { env: 'prod', region: 'eu' })
  t.equal(effectiveSettings(config.clusters[0]!, config.global).intervalMs, 600_000)
  t.equal(effectiveSettings(config.clusters[1]!, config.global).intervalMs, 300_000)
  t.ok(Object.isFrozen(config.clusters[0]), 'config is frozen')
})

t.test('defaults apply to an empty file', async t => {
  const config = await parseConfig('', 'empty.yaml')
  t.same(config.clusters, [])
  t.equal(config.global.concurrency, 16)
})

for (const file of readdirSync(FIXTURES).filter(f => f.startsWith('invalid-')).sort()) {
  t.test(`refuses ${file} naming the key`, async t => {
    const text = readFileSync(join(FIXTURES, file), 'utf8')
    const expected = /^# expect: (.*)$/m.exec(text)?.[1]
    t.ok(expected, 'fixture has an expectation')
    const err = await loadConfig(join(FIXTURES, file), {}).then(() => undefined, (e: unknown) => e)
    t.type(err, ConfigError)
    const problems = (err as ConfigError).problems
    t.ok(problems.some(p => p.startsWith(expected!)), `${JSON.stringify(problems)} has "${expected}"`)
  })
}

t.test('${ENV} expansion, $$ escape, token files trimmed', async t => {
  const dir = tempDir()
  const tokenFile = join(dir, 'tok')
  writeFileSync(tokenFile, '  file-token-value-123\n')
  const text = [
    'clusters:',
    '  - { name: a, type: dynatrace_managed, url: "https://${HOST}/x", token: "${TOKEN}", labels: { cost: "$$5" } }',
    `  - { name: b, type: dynatrace_managed, url: "https://b.example.com", token_file: "${tokenFile}" }`,
  ].join('\n')
  const config = await parseConfig(text, 'inline.yaml', { HOST: 'dt.example.com', TOKEN: 'env-token-value-456' })
  t.equal(config.clusters[0]?.url, 'https://dt.example.com/x')
  t.equal(config.clusters[0]?.token, 'env-token-value-456')
  t.same(config.clusters[0]?.labels, { cost: '$5' })
  t.equal(config.clusters[1]?.token, 'file-token-value-123')
})

t.test('an environment value cannot inject YAML structure', async t => {
  const config = await parseConfig('clusters:\n  - { name: a, type: dynatrace_managed, url: "https://a.example.com", token: "${T}" }\n', 'x.yaml', { T: 'x", labels: {evil: 1}, "y' })
  t.equal(config.clusters[0]?.token, 'x", labels: {evil: 1}, "y')
  t.same(config.clusters[0]?.labels, {})
})

t.test('several problems are all reported', async t => {
  const err = await parseConfig('global: { interval: nope, concurrency: -1 }\nclusters: [{ name: a, type: dynatrace_managed, url: "x" }]\n', 'x.yaml')
    .then(() => undefined, (e: unknown) => e as ConfigError)
  t.ok(err)
  t.equal(err?.problems.length, 3)
  t.match(err?.message, /global\.interval/)
})
