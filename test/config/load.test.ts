import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, parseConfig } from '../../src/config/load.js'
import { effectiveSettings } from '../../src/config/schema.js'
import { tempDir } from '../helpers.js'

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'config')

t.test('the example config loads as shipped and documents the defaults', async t => {
  const example = join(import.meta.dirname, '..', '..', 'config', 'example.yaml')
  const config = await loadConfig(example, {})
  t.equal(config.clusters.length, 4)
  t.equal(config.clusters[0]?.token, 'placeholder-token-replace-me-dt-prod-eu', 'token_file relative to the config file')
  t.equal(config.global.entitlements.length, 1)
  const ibm = config.clusters[2]
  t.equal(ibm?.type, 'ibm_license_service')
  if (ibm?.type === 'ibm_license_service') {
    t.equal(ibm.entitlements.length, 2)
    t.same(ibm.snapshot, { directory: '/var/lib/license-exporter/snapshots', interval: 86_400_000, keep_for: 730 * 86_400_000, keep: 1, timeout: 300_000, max_bytes: 67_108_864, store: { type: 'directory' } })
  }
  t.same({ ...config.global, entitlements: [] }, { interval: 300_000, timeout: 30_000, concurrency: 16, stale_after: 900_000, max_response_bytes: 4_194_304, entitlements: [] })
  t.equal(effectiveSettings(config.clusters[1]!, config.global).staleAfterMs, 900_000, 'stale_after unset: 15m')
  t.equal(config.clusters[1]?.token, undefined)
  t.same(config.clusters[0]?.labels, { env: 'prod', region: 'eu' })
  t.equal(effectiveSettings(config.clusters[0]!, config.global).intervalMs, 600_000)
  t.equal(effectiveSettings(config.clusters[1]!, config.global).intervalMs, 300_000)
  t.ok(Object.isFrozen(config.clusters[0]), 'config is frozen')
})

t.test('an empty file is an error; an empty cluster list is valid', async t => {
  const empty = await parseConfig('', 'empty.yaml').catch((e: unknown) => e)
  t.match((empty as ConfigError).problems, [/the file is empty/])
  const config = await parseConfig('clusters: []\n', 'none.yaml')
  t.same(config.clusters, [])
  t.equal(config.global.concurrency, 16)
})

t.test('every problem at once: unset variables, bad values, unreadable token and TLS files', async t => {
  const text = [
    'global: { interval: 5 minutes }',
    'clusters:',
    '  - { name: a, type: dynatrace_managed, url: "https://a.example.com", token: "${LICENSE_EXPORTER_TEST_UNSET_A}" }',
    '  - { name: b, type: dynatrace_managed, url: "https://b.example.com", token_file: /nonexistent/b.token, tls: { ca_file: /nonexistent/ca.pem } }',
    '  - { name: c, type: ibm_license_service, url: "https://c.example.com", interval: 30d, timeout: 30d }',
  ].join('\n')
  const err = await parseConfig(text, 'all.yaml', {}).catch((e: unknown) => e)
  t.ok(err instanceof ConfigError)
  t.same((err as ConfigError).problems.sort(), [
    'clusters[0].token: environment variable LICENSE_EXPORTER_TEST_UNSET_A is not set',
    'clusters[1].tls.ca_file: cannot read /nonexistent/ca.pem (ENOENT)',
    'clusters[1].token_file: cannot read /nonexistent/b.token (ENOENT)',
    'clusters[2].interval: "30d" is out of range: use 100ms to 7d',
    'clusters[2].timeout: "30d" is out of range: use 100ms to 10m',
    'global.interval: invalid duration "5 minutes" (use e.g. 30s, 5m, 1h30m)',
  ])
})

t.test('messages say what is expected, never the validator\'s own words', async t => {
  const err = await parseConfig('global: { concurrency: "many", max_response_bytes: 1.5 }\nclusters: [{ name: a, type: ibm_license_service, url: "https://a", auth: basic }]\n', 'x.yaml', {}).catch((e: unknown) => e)
  t.same((err as ConfigError).problems, [
    'global.concurrency: must be a number, got text "many"',
    'global.max_response_bytes: must be a whole number of bytes',
    'clusters[0].auth: must be one of "url_token", "bearer"',
  ])
  t.notMatch((err as ConfigError).message, /Invalid input|expected .* received/)
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
