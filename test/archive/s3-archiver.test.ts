/**
 * The archiver writing a bucket (moto's S3 server, a fault-injecting proxy in front): objects named by slot
 * and hash with their metadata; two replicas of the same clusters storing one object per snapshot (also with
 * their clocks apart); the spool keeping every download the bucket cannot take, across an outage and a
 * restart; retention by the primary only, never with Object Lock; a tampered object refused by the index.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3'
import { SnapshotArchiver, type ArchiverOptions } from '../../src/archive/archiver.js'
import { MAX_SPOOLED } from '../../src/archive/spool.js'
import { vaultSpec, type VaultSpec } from '../../src/archive/store.js'
import { bucketSlot } from '../../src/archive/uploads.js'
import { archiveName, writeArchive } from '../../src/archive/vault.js'
import { openVault } from '../../src/archive/vaults.js'
import { parseConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/schema.js'
import { describeSnapshot } from '../../src/licensing/describe.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { systemClock, type Clock } from '../../src/util/timer.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { startMoto, type Moto } from '../fixtures/s3.js'
import { startS3Proxy, type S3Proxy } from '../fixtures/s3-proxy.js'
import { DAY, dailyCsv } from '../fixtures/vault.js'
import { LogCapture, tempDir, testIndex, waitFor } from '../helpers.js'
import { snapshotZip } from '../simulator/ibm.js'
import { startSimulator, type Simulator } from '../simulator/server.js'
import { makeZip } from '../simulator/zip.js'

const NOW = Date.UTC(2026, 10, 20, 8, 17, 3)
const HOUR = 3_600_000
const TOKEN = 'ibm-s3-archiver-token-1'
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)

let moto: Moto
let proxy: S3Proxy
let sim: Simulator
t.before(async () => {
  moto = await startMoto()
  proxy = await startS3Proxy(moto.endpoint)
  sim = await startSimulator({ ocp: { kind: 'ibm', token: TOKEN, snapshotTodayMs: NOW } })
})
t.teardown(async () => { await sim.close(); await proxy.close(); await moto.stop() })
t.beforeEach(() => { proxy.fault = () => undefined; proxy.seen.length = 0 })

/** The vault of the config's first cluster. */
function snapshotVault (config: Config): VaultSpec {
  const c = config.clusters[0]
  if (c?.type !== 'ibm_license_service' || c.snapshot === undefined) throw new Error('no snapshot')
  return vaultSpec(c.snapshot)
}

let n = 0
async function bucketConfig (t: { teardown (fn: () => unknown): void }, extra: Record<string, unknown> = {}, opts: { objectLock?: boolean, keep?: number, interval?: string } = {}): Promise<{ config: Config, bucket: string, dir: string }> {
  const bucket = `archiver-test-${++n}`
  await moto.bucket(bucket, { objectLock: opts.objectLock === true })
  const dir = tempDir('license-exporter-test-', t)
  const store = moto.yaml(bucket, { prefix: 'prod', endpoint: proxy.endpoint, ...extra })
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${TOKEN}, snapshot: { directory: ${dir}, interval: ${opts.interval ?? '1d'}, keep: ${opts.keep ?? 1}, store: ${store} } }\n`, 'x.yaml')
  return { config, bucket, dir }
}

function replica (t: { teardown (fn: () => unknown): void }, config: Config, clock: Clock, opts: Partial<ArchiverOptions> = {}): { archiver: SnapshotArchiver, store: Store, logs: LogCapture, index: ReturnType<typeof testIndex> } {
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  const logs = new LogCapture()
  const index = testIndex(t)
  const archiver = new SnapshotArchiver({ store, log: createLogger('info', logs), clock, catalog: index, describe: describeSnapshot, ...opts })
  archiver.apply(config)
  t.teardown(() => archiver.stop())
  return { archiver, store, logs, index }
}

const keys = async (bucket: string): Promise<string[]> => ((await moto.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(c => c.Key!).sort()
const extra = (s: Store, name: string, labels?: Record<string, string>): number | undefined =>
  s.get('ocp')?.extras.get(labels === undefined ? name : `${name}${JSON.stringify(labels)}`)?.value

t.test('a snapshot goes to the bucket as <prefix>/<cluster>/<slot>-<sha256>.zip with its cluster, cluster id and period', async t => {
  const { config, bucket } = await bucketConfig(t)
  const { archiver, store, index } = replica(t, config, { ...systemClock, now: () => NOW })
  const r = await archiver.runNow('ocp')
  t.ok(r.ok, JSON.stringify(r))
  const body = snapshotZip('ocp', { todayMs: NOW })
  const slot = bucketSlot(NOW, DAY)
  t.equal(slot, Date.UTC(2026, 10, 20, 8), 'the download time rounded down to the hour')
  const key = `prod/ocp/${archiveName(slot, createHash('sha256').update(body).digest('hex'))}`
  t.same(await keys(bucket), [key])
  const head = await moto.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
  t.same(head.Metadata, { cluster: 'ocp', 'cluster-id': 'ocp', 'period-from': day(NOW - 89 * DAY), 'period-to': day(NOW) })
  t.equal(extra(store, 'license_snapshot_archives'), 1)
  t.equal(extra(store, 'license_snapshot_last_success_timestamp_seconds'), slot / 1000)
  t.equal(extra(store, 'license_snapshot_spooled'), 0)
  const report = await index.report({ window: { from: day(NOW - 10 * DAY), to: day(NOW) }, clusters: [{ name: 'ocp', vault: snapshotVault(config).id, current: [] }], entitlements: [] })
  t.equal(report.report.complete, true, 'the index read the object')
})

t.test('two replicas of the same clusters store one object per snapshot: at the same moment, and with clocks three minutes apart', async t => {
  const { config, bucket } = await bucketConfig(t)
  const a = replica(t, config, { ...systemClock, now: () => NOW })
  const b = replica(t, config, { ...systemClock, now: () => NOW + 20_000 })
  const [ra, rb] = await Promise.all([a.archiver.runNow('ocp'), b.archiver.runNow('ocp')])
  t.ok(ra.ok && rb.ok)
  t.equal((await keys(bucket)).length, 1, 'one object: the second writer got 412 (or found it), success')
  t.equal(proxy.seen.filter(r => r.method === 'PUT').length, 2, 'both wrote, with If-None-Match')

  // Scheduled downloads: replica B's clock is three minutes behind A's.
  const clockA = new FakeClock(NOW + HOUR)
  const clockB = new FakeClock(NOW + HOUR - 3 * 60_000)
  const ha = replica(t, config, clockA)
  const hb = replica(t, config, clockB)
  ha.archiver.start()
  hb.archiver.start()
  const listed = (r: { store: Store }): boolean => r.store.get('ocp')?.extras.get('license_snapshot_archives')?.value === 1
  await waitFor(() => listed(ha) && listed(hb), 10_000, 'both listed the bucket')
  await new Promise(resolve => setTimeout(resolve, 50))
  sim.set('ocp', { kind: 'ibm', token: TOKEN, snapshotTodayMs: NOW + DAY })
  const requests = sim.requests.filter(r => r.path.startsWith('/snapshot')).length
  clockA.advance(DAY)
  await waitFor(async () => (await keys(bucket)).length === 2, 10_000, 'A stored the next slot')
  clockB.advance(DAY)
  await waitFor(() => hb.logs.text.includes('no download') || hb.store.get('ocp')?.extras.get('license_snapshot_archives')?.value === 2, 10_000, 'B looked')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal((await keys(bucket)).length, 2, 'B found the slot stored by A and did not store another')
  t.equal(sim.requests.filter(r => r.path.startsWith('/snapshot')).length - requests, 1, 'one download for the two replicas')
  t.equal(hb.store.get('ocp')?.extras.get('license_snapshot_last_success_timestamp_seconds')?.value, bucketSlot(NOW + HOUR + DAY, DAY) / 1000, 'B reports A\'s snapshot as the last success')
  await ha.archiver.stop()
  await hb.archiver.stop()
})

t.test('a download the bucket cannot take waits in the spool, across an outage and a restart, and is never lost', async t => {
  const { config, bucket, dir } = await bucketConfig(t, {}, { interval: '1h' })
  const first = replica(t, config, { ...systemClock, now: () => NOW })
  await proxy.down()
  let r
  try {
    r = await first.archiver.runNow('ocp')
  } finally {
    await proxy.up()
  }
  t.match(r, { ok: false, reason: 'store_unreachable', message: /kept in the spool/ })
  const spooled = readdirSync(join(dir, '.spool', 'ocp'))
  t.equal(spooled.length, 1, 'the snapshot is in the spool')
  t.equal(extra(first.store, 'license_snapshot_spooled'), 1)
  t.equal(extra(first.store, 'license_snapshot_failures_total', { reason: 'store_unreachable' }), 1)
  t.same(await keys(bucket), [])

  // A refused upload (403) keeps it too.
  proxy.fault = req => (req.method === 'PUT' ? { status: 403, code: 'AccessDenied' } : undefined)
  const refused = await first.archiver.runNow('ocp')
  t.match(refused, { ok: false, reason: 'store_auth' })
  t.equal(readdirSync(join(dir, '.spool', 'ocp')).length, 1, 'the same slot and bytes: one spool file')
  await first.archiver.stop()

  // Restart: a new process with the bucket back finds the spool and uploads it.
  proxy.fault = () => undefined
  // (Its scheduled download of the same slot, if it comes first, writes the same name: one object either way.)
  const second = replica(t, config, { ...systemClock, now: () => NOW })
  second.archiver.start()
  await waitFor(async () => (await keys(bucket)).length === 1, 15_000, 'the spooled snapshot uploaded')
  t.same(await keys(bucket), [`prod/ocp/${spooled[0]!}`], 'under the name it was spooled with')
  await waitFor(() => second.store.get('ocp')?.extras.get('license_snapshot_spooled')?.value === 0, 10_000, 'spool gauge back to 0')
  t.same(readdirSync(join(dir, '.spool', 'ocp')), [], 'spool emptied only once the bucket holds it')
  t.match(second.logs.text, /spooled audit snapshot uploaded/)
  await second.archiver.stop()
})

t.test('the spool is bounded: past it, no new download', async t => {
  const { config, dir } = await bucketConfig(t)
  for (let i = 0; i < MAX_SPOOLED; i++) {
    const body = Buffer.from(`snapshot ${i}`)
    await writeArchive(join(dir, '.spool', 'ocp'), NOW - i * HOUR, body, createHash('sha256').update(body).digest('hex'))
  }
  const { archiver, store } = replica(t, config, { ...systemClock, now: () => NOW })
  const before = sim.requests.length
  t.match(await archiver.runNow('ocp'), { ok: false, reason: 'spool_full' })
  t.equal(sim.requests.length, before, 'the License Service was not asked')
  t.equal(extra(store, 'license_snapshot_failures_total', { reason: 'spool_full' }), 1)
})

/** A snapshot zip of 30 days ending `ms`'s day, `q` per day. */
const zipOf = (ms: number, q: number): Buffer => makeZip({ 'products_daily_x.csv': dailyCsv(Array.from({ length: 30 }, (_, i) => [day(ms - (29 - i) * DAY), q] as [string, number])) }, { deflate: true })

async function seedOld (config: Config): Promise<string[]> {
  const vault = openVault(snapshotVault(config))
  const names: string[] = []
  for (const ago of [1000, 900, 800]) {
    const body = zipOf(NOW - ago * DAY, 2)
    const name = archiveName(bucketSlot(NOW - ago * DAY, DAY), createHash('sha256').update(body).digest('hex'))
    await vault.put('ocp', name, body, {})
    names.push(name)
  }
  return names
}

t.test('retention of a bucket: by the primary only, and never with Object Lock', async t => {
  for (const c of [{ primary: false, lock: false, removed: 0 }, { primary: true, lock: true, removed: 0 }, { primary: true, lock: false, removed: 3 }]) {
    const { config, bucket } = await bucketConfig(t, c.lock ? { object_lock: { mode: 'GOVERNANCE', retain: '1d' } } : {}, { objectLock: c.lock })
    await seedOld(config)
    const { archiver, index, logs } = replica(t, config, { ...systemClock, now: () => NOW }, { pruneBuckets: c.primary })
    await index.sync([{ vault: snapshotVault(config), clusters: ['ocp'] }], NOW)
    await index.idle()
    t.ok((await archiver.runNow('ocp')).ok)
    t.equal(4 - (await keys(bucket)).length, c.removed, `primary ${c.primary}, object lock ${c.lock}: ${c.removed} removed`)
    if (c.lock) t.match(logs.text, /S3 Object Lock: the bucket keeps them and deletes them, never the exporter/)
    if (!c.primary) t.match(logs.text, /retention of this bucket is left to the primary replica/)
  }
})

t.test('an object altered in the bucket (its bytes no longer its name\'s hash) is refused by the index', async t => {
  const { config, bucket } = await bucketConfig(t)
  const good = zipOf(NOW, 5)
  const name = archiveName(bucketSlot(NOW, DAY), createHash('sha256').update(good).digest('hex'))
  await moto.client.send(new PutObjectCommand({ Bucket: bucket, Key: `prod/ocp/${name}`, Body: zipOf(NOW, 500) }))
  const index = testIndex(t)
  const spec = snapshotVault(config)
  await index.sync([{ vault: spec, clusters: ['ocp'] }], NOW)
  await index.idle()
  const report = await index.report({ window: { from: day(NOW - 5 * DAY), to: day(NOW) }, clusters: [{ name: 'ocp', vault: spec.id, current: [] }], entitlements: [] })
  t.match(report.problems, [{ reason: 'hash_mismatch', file: name }])
  t.equal(report.report.complete, false, 'its days are unknown, not 500')
  t.notOk(existsSync(join(spec.directory, '.spool')), 'nothing spooled by a read')
})

t.test('every bucket fault is counted with its reason, and the snapshot is spooled, never lost', async t => {
  const { config, dir } = await bucketConfig(t)
  const { archiver, store } = replica(t, config, { ...systemClock, now: () => NOW })
  const faults = [
    { reason: 'store_auth', fault: { status: 403, code: 'AccessDenied' } },
    { reason: 'store_throttled', fault: { status: 503, code: 'SlowDown' } },
    { reason: 'store_not_found', fault: { status: 404, code: 'NoSuchBucket' } },
    { reason: 'store_error', fault: { status: 500, code: 'InternalError' } },
    { reason: 'store_unreachable', fault: 'drop' as const },
  ]
  for (const f of faults) {
    proxy.fault = () => f.fault
    const r = await archiver.runNow('ocp')
    t.match(r, { ok: false, reason: f.reason }, f.reason)
    t.equal(extra(store, 'license_snapshot_failures_total', { reason: f.reason }), 1, `license_snapshot_failures_total{reason="${f.reason}"} counted`)
  }
  t.equal(readdirSync(join(dir, '.spool', 'ocp')).length, 1, 'the snapshot (one slot, the same bytes) waits in the spool')
  t.equal(extra(store, 'license_snapshot_failures_total', { reason: 'io' }), 0, 'every reason starts at 0')
})
