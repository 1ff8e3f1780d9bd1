/**
 * Retention of a bucket shared by a sharded fleet (no Object Lock): the primary prunes its own clusters after
 * their downloads, and the other shards' clusters every few hours (they never prune); nothing is pruned by a
 * replica that is not the primary.
 */
import { createHash } from 'node:crypto'
import t from 'tap'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { FLEET_RETENTION_MS } from '../../src/archive/retain.js'
import { vaultSpec } from '../../src/archive/store.js'
import { bucketSlot } from '../../src/archive/uploads.js'
import { archiveName } from '../../src/archive/vault.js'
import { openVault } from '../../src/archive/vaults.js'
import { parseConfig } from '../../src/config/load.js'
import type { Config } from '../../src/config/schema.js'
import { describeSnapshot } from '../../src/licensing/describe.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { startMoto, type Moto } from '../fixtures/s3.js'
import { DAY, dailyCsv } from '../fixtures/vault.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { LogCapture, tempDir, testIndex, waitFor } from '../helpers.js'
import { startSimulator, type Simulator } from '../simulator/server.js'
import { makeZip } from '../simulator/zip.js'

const NOW = Date.UTC(2026, 10, 20, 8, 17, 3)
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
let moto: Moto
let sim: Simulator
t.before(async () => {
  moto = await startMoto()
  sim = await startSimulator({ ocp: { kind: 'ibm', token: 'tok-fleet-ret-1', snapshotTodayMs: NOW }, ocp2: { kind: 'ibm', token: 'tok-fleet-ret-2', snapshotTodayMs: NOW } })
})
t.teardown(async () => { await sim.close(); await moto.stop() })
const keys = async (bucket: string): Promise<string[]> => ((await moto.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(c => c.Key!).sort()
const zipOf = (ms: number, q: number): Buffer => makeZip({ 'products_daily_x.csv': dailyCsv(Array.from({ length: 30 }, (_, i) => [day(ms - (29 - i) * DAY), q] as [string, number])) }, { deflate: true })

t.test('sharded fleet on one unlocked bucket: the primary prunes every shard\'s clusters, the others none', async t => {
  await moto.bucket('shard-ret')
  const dir = tempDir('license-exporter-fleet-ret-', t)
  const store = moto.yaml('shard-ret', { prefix: 'prod' })
  const entry = (n: string, tok: string): string => `  - { name: ${n}, type: ibm_license_service, url: "${sim.baseUrl(n)}", token: ${tok}, snapshot: { directory: ${dir}, interval: 1d, keep: 1, store: ${store} } }`
  const fleet = await parseConfig(`clusters:\n${entry('ocp', 'tok-fleet-ret-1')}\n${entry('ocp2', 'tok-fleet-ret-2')}\n`, 'x.yaml')
  const shard = (names: string[]): Config => ({ ...fleet, clusters: fleet.clusters.filter(c => names.includes(c.name)) })
  const spec = vaultSpec((fleet.clusters[0] as { snapshot: Parameters<typeof vaultSpec>[0] }).snapshot)
  for (const c of ['ocp', 'ocp2']) {
    for (const ago of [1000, 900, 800]) {
      const body = zipOf(NOW - ago * DAY, 2)
      await openVault(spec).put(c, archiveName(bucketSlot(NOW - ago * DAY, DAY), createHash('sha256').update(body).digest('hex')), body, {})
    }
  }
  const replica = async (cfg: Config, primary: boolean): Promise<{ archiver: SnapshotArchiver, clock: FakeClock }> => {
    const s = new Store()
    s.sync(cfg.clusters.map(c => ({ name: c.name, type: 'ibm_license_service' as const, labels: {}, staleAfterMs: 60_000 })))
    const index = testIndex(t)
    // As in the exporter: each replica's index reads the whole fleet's clusters of the bucket.
    await index.sync([{ vault: spec, clusters: ['ocp', 'ocp2'] }], NOW)
    await index.idle()
    const clock = new FakeClock(NOW)
    const archiver = new SnapshotArchiver({ store: s, log: createLogger('info', new LogCapture()), clock, catalog: index, describe: describeSnapshot, pruneBuckets: primary })
    archiver.apply(cfg, fleet)
    t.teardown(() => archiver.stop())
    return { archiver, clock }
  }
  // Shard 1 (not the primary) downloads: it prunes nothing, neither its cluster nor another's.
  const one = await replica(shard(['ocp2']), false)
  t.ok((await one.archiver.runNow('ocp2')).ok)
  one.archiver.start()
  one.clock.advance(FLEET_RETENTION_MS)
  await new Promise(resolve => setTimeout(resolve, 300))
  t.equal((await keys('shard-ret')).length, 7, 'a replica that is not the primary deletes nothing')
  await one.archiver.stop()
  // Shard 0, the primary: its own cluster after its download, shard 1's on its fleet round.
  const zero = await replica(shard(['ocp']), true)
  t.ok((await zero.archiver.runNow('ocp')).ok)
  t.equal((await keys('shard-ret')).filter(k => k.startsWith('prod/ocp/')).length, 1, 'the primary pruned its own cluster after its download')
  t.equal((await keys('shard-ret')).filter(k => k.startsWith('prod/ocp2/')).length, 4, 'shard 1\'s cluster waits for the fleet round')
  zero.archiver.start()
  zero.clock.advance(FLEET_RETENTION_MS / 6)
  await waitFor(async () => (await keys('shard-ret')).filter(k => k.startsWith('prod/ocp2/')).length === 1, 10_000, 'the fleet round')
  t.pass('the primary pruned shard 1\'s cluster past keep_for, keeping its newest archive')
})
