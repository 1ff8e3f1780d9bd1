/**
 * `--snapshot.migrate`: a local vault copied into a bucket (moto's S3 server), every object read back and its
 * SHA-256 compared; a second run copies nothing and verifies everything; damaged files and links are reported,
 * not copied; and the bucket then gives the local vault's report.
 */
import { rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import { archiveName } from '../src/archive/vault.js'
import type { MigrationSummary } from '../src/migrate.js'
import { startMoto, TEST_KEY, type Moto } from './fixtures/s3.js'
import { DAY, at, cli, offlineReport, vaultConfig, writeSnapshot, type Row } from './fixtures/vault.js'
import { tempDir } from './helpers.js'

let moto: Moto
t.before(async () => { moto = await startMoto() })
t.teardown(() => moto.stop())

const days = (from: string, n: number, q: number): Row[] => Array.from({ length: n }, (_, i) => [new Date(Date.parse(from) + i * DAY).toISOString().slice(0, 10), q])

t.test('a local vault into a bucket: copied, verified, idempotent; the bucket gives the same report', async t => {
  const dir = tempDir('license-exporter-test-', t)
  const vault = join(dir, 'vault')
  writeSnapshot(vault, 'ocp-a', at('2026-09-30'), { rows: days('2026-07-01', 92, 4), clusterId: 'id-a' })
  writeSnapshot(vault, 'ocp-a', at('2026-10-31'), { rows: days('2026-08-01', 92, 6) })
  writeSnapshot(vault, 'ocp-b', at('2026-10-31'), { rows: days('2026-08-01', 92, 3) })
  // Not archives: a link, and a content-addressed name whose bytes are not its hash.
  symlinkSync('/etc/hostname', join(vault, 'ocp-b', archiveName(at('2026-10-01'))))
  writeFileSync(join(vault, 'ocp-b', archiveName(at('2026-10-02'), 'ab'.repeat(32))), 'not these bytes')
  await moto.bucket('migrated')
  const store = moto.yaml('migrated', { prefix: 'evidence' })
  const config = join(dir, 'config.yaml')
  writeFileSync(config, `clusters:\n${['ocp-a', 'ocp-b'].map(c => `  - { name: ${c}, type: ibm_license_service, url: "http://127.0.0.1:9/${c}", token: migrate-token, snapshot: { directory: ${join(dir, 'spool')}, store: ${store} } }`).join('\n')}\n`)

  const first = await cli([`--config.file=${config}`, `--snapshot.migrate=${vault}`, '--log.level=warn'])
  t.equal(first.status, 1, 'two files could not be copied: exit 1')
  const s1 = JSON.parse(first.stdout) as MigrationSummary
  t.match(s1, { clusters: 2, archives: 4, created: 3, existed: 0, verified: 3 })
  t.match(s1.problems, [{ cluster: 'ocp-b', reason: 'not_regular' }, { cluster: 'ocp-b', reason: 'hash_mismatch' }])
  t.match(first.stderr, /4 archive\(s\) of 2 cluster\(s\): 3 copied, 0 there already, 3 verified, 2 problem\(s\)/)

  const keys = ((await moto.client.send(new ListObjectsV2Command({ Bucket: 'migrated' }))).Contents ?? []).map(c => c.Key!).sort()
  t.equal(keys.length, 3)
  t.ok(keys.every(k => /^evidence\/ocp-[ab]\/2026-\d\d-\d\dT01-00-00-000Z-[0-9a-f]{64}\.zip$/.test(k)), 'time kept, SHA-256 added')
  const head = await moto.client.send(new HeadObjectCommand({ Bucket: 'migrated', Key: keys[0]! }))
  t.match(head.Metadata, { cluster: 'ocp-a', 'cluster-id': 'id-a', 'period-from': '2026-07-01', 'period-to': '2026-09-30', 'migrated-from': archiveName(at('2026-09-30')) })

  // Fix the vault (remove the bad files) and run again: nothing copied twice, everything verified.
  rmSync(join(vault, 'ocp-b', archiveName(at('2026-10-01'))))
  rmSync(join(vault, 'ocp-b', archiveName(at('2026-10-02'), 'ab'.repeat(32))))
  const again = await cli([`--config.file=${config}`, `--snapshot.migrate=${vault}`, '--log.level=warn'])
  t.equal(again.status, 0, again.stderr)
  t.match(JSON.parse(again.stdout), { archives: 3, created: 0, existed: 3, verified: 3, problems: [] })

  const local = await offlineReport(vaultConfig(tempDir('license-exporter-test-', t), vault, ['ocp-a', 'ocp-b']), '2026-08-01', '2026-10-31')
  const bucket = await offlineReport(config, '2026-08-01', '2026-10-31')
  t.ok(local.report !== undefined && bucket.report !== undefined, `${local.stderr}\n${bucket.stderr}`)
  t.same(bucket.report!.rows.map(r => [r.product, r.peak, r.peak_date]), local.report!.rows.map(r => [r.product, r.peak, r.peak_date]), 'the same figure from the bucket')
  t.equal(bucket.report!.rows[0]?.peak, 9, '6 + 3 on the days both have data')

  const nowhere = await cli([`--config.file=${config}`, `--snapshot.migrate=${vault}`, `--snapshot.store=s3://no-such-bucket-here?endpoint=${encodeURIComponent(moto.endpoint)}&path_style=true`, '--log.level=warn'], { env: { AWS_ACCESS_KEY_ID: TEST_KEY.id, AWS_SECRET_ACCESS_KEY: TEST_KEY.secret } })
  t.equal(nowhere.status, 1)
  t.match(nowhere.stderr, /store_not_found: bucket no-such-bucket-here: HTTP 404 NoSuchBucket/, 'stops at the first store failure, with its reason')
  const noCredentials = await cli([`--config.file=${config}`, `--snapshot.migrate=${vault}`, `--snapshot.store=s3://unconfigured?endpoint=${encodeURIComponent(moto.endpoint)}&path_style=true`, '--log.level=warn'], { env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'none-such', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' } })
  t.equal(noCredentials.status, 1)
  t.match(noCredentials.stderr, /store_auth: bucket unconfigured: CredentialsProviderError/, 'a bucket not in the config and no credentials in the environment')
  t.notMatch(`${noCredentials.stderr}${nowhere.stderr}`, new RegExp(TEST_KEY.secret), 'no secret in the output')
})

t.test('nothing to migrate is a failure; a report of a bucket with no clusters is an error; a configured cluster without objects is missing', async t => {
  const dir = tempDir('license-exporter-test-', t)
  await moto.bucket('empty-report')
  const store = moto.yaml('empty-report', { prefix: 'prod' })
  const config = join(dir, 'config.yaml')
  writeFileSync(config, `clusters:\n  - { name: ocp-a, type: ibm_license_service, url: "http://127.0.0.1:9/a", token: migrate-token, snapshot: { directory: ${join(dir, 'spool')}, store: ${store} } }\n`)
  const missing = await cli([`--config.file=${config}`, `--snapshot.migrate=${join(dir, 'no-such-dir')}`, '--log.level=warn'])
  t.equal(missing.status, 1, 'a directory that does not exist: exit 1')
  t.match(missing.stderr, /no archives in .*no-such-dir/)
  const vault = join(dir, 'vault')
  writeSnapshot(vault, 'ocp-a', at('2026-09-30'), { rows: days('2026-07-01', 92, 4) })
  const tooDeep = await cli([`--config.file=${config}`, `--snapshot.migrate=${join(vault, 'ocp-a')}`, '--log.level=warn'])
  t.equal(tooDeep.status, 1, 'a cluster folder instead of the vault: exit 1')

  const url = (prefix: string): string => `--snapshot.store=s3://empty-report/${prefix}?endpoint=${encodeURIComponent(moto.endpoint)}&path_style=true`
  const other = join(dir, 'other.yaml')
  writeFileSync(other, 'clusters: []\n')
  const typo = await cli([`--config.file=${other}`, '--report', '--report.offline', '--report.from=2026-07-01', '--report.to=2026-09-30', url('prdo'), '--log.level=warn'], { env: { AWS_ACCESS_KEY_ID: TEST_KEY.id, AWS_SECRET_ACCESS_KEY: TEST_KEY.secret } })
  t.equal(typo.status, 1, 'a prefix with no cluster folders (a typo): exit 1, not an empty report')
  t.match(typo.stderr, /no cluster folders there/)
  const none = await cli([`--config.file=${config}`, '--report', '--report.offline', '--report.from=2026-07-01', '--report.to=2026-09-30', url('prod'), '--log.level=warn'])
  t.equal(none.status, 4, 'the configured cluster of that bucket has no objects: the report is incomplete (exit 4)')
  t.match(none.stderr, /ocp-a/)
})
