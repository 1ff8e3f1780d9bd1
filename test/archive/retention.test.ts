import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { archiveName, expiredArchives } from '../../src/archive/vault.js'
import { parseConfig } from '../../src/config/load.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { systemClock } from '../../src/util/timer.js'
import { tempDir } from '../helpers.js'
import { snapshotZip } from '../simulator/ibm.js'
import { startSimulator } from '../simulator/server.js'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)

t.test('the rule: older than keep_for and not among the newest keep', async t => {
  const names = [800, 700, 10].map(d => archiveName(NOW - d * DAY))
  t.same(expiredArchives(names, { keepForMs: 730 * DAY, keep: 1 }, NOW), [names[0]], '800 days old goes; 700 days old stays')
  t.same(expiredArchives([names[0]!], { keepForMs: 730 * DAY, keep: 1 }, NOW), [], 'the newest archive stays however old')
  t.same(expiredArchives(names, { keepForMs: 730 * DAY, keep: 3 }, NOW), [], 'keep protects the newest N')
  t.same(expiredArchives(['notes.txt', ...names], { keepForMs: DAY, keep: 1 }, NOW), names.slice(0, 2), 'other files are never touched')
})

t.test('with keep_for at its default, a download keeps the 700-day archive and removes the 800-day one; a failed download removes nothing', async t => {
  const token = 'ibm-retention-token-01'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token } })
  const dir = tempDir()
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${dir} } }\n`, 'x.yaml')
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  const archiver = new SnapshotArchiver({ store, log: createLogger('silent'), clock: { ...systemClock, now: () => NOW } })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close() })

  const clusterDir = join(dir, 'ocp')
  mkdirSync(clusterDir, { recursive: true })
  const [d900, d800, d700] = [900, 800, 700].map(d => archiveName(NOW - d * DAY))
  for (const name of [d900!, d800!, d700!]) writeFileSync(join(clusterDir, name), snapshotZip('old'))

  // A failing download first: nothing may go, however old.
  sim.set('ocp', { kind: 'ibm', token, snapshot: { kind: 'status', status: 503 } })
  t.notOk((await archiver.runNow('ocp')).ok)
  t.same(readdirSync(clusterDir).sort(), [d900, d800, d700].sort(), 'a failed download removes nothing')
  sim.set('ocp', { kind: 'ibm', token, snapshot: 'corrupt' })
  t.notOk((await archiver.runNow('ocp')).ok)
  t.same(readdirSync(clusterDir).sort(), [d900, d800, d700].sort(), 'a corrupt download removes nothing')
  t.equal(store.get('ocp')?.extras.get('license_snapshot_failures_total{"reason":"http_5xx"}')?.value, 1)
  t.equal(store.get('ocp')?.extras.get('license_snapshot_failures_total{"reason":"invalid_response"}')?.value, 1)

  sim.set('ocp', { kind: 'ibm', token })
  const ok = await archiver.runNow('ocp')
  t.ok(ok.ok)
  t.same(readdirSync(clusterDir).sort(), [d700, archiveName(NOW)].sort(), 'the 700-day archive survives; 800 and 900 days are past keep_for')
  t.equal(store.get('ocp')?.extras.get('license_snapshot_archives')?.value, 2)
})

t.test('a cluster removed from the config gets one last snapshot before it is forgotten', async t => {
  const token = 'ibm-decommission-token-01'
  const sim = await startSimulator({ old: { kind: 'ibm', token }, keep: { kind: 'ibm', token } })
  const dir = tempDir()
  const entry = (name: string): string => `  - { name: ${name}, type: ibm_license_service, url: "${sim.baseUrl(name)}", token: ${token}, snapshot: { directory: ${dir}, interval: 30d } }`
  const both = await parseConfig(`clusters:\n${entry('old')}\n${entry('keep')}\n`, 'x.yaml')
  const store = new Store()
  const archiver = new SnapshotArchiver({ store, log: createLogger('silent') })
  t.teardown(async () => { await archiver.stop(); await sim.close() })
  archiver.apply(both)
  archiver.start()
  const count = (name: string): number => { try { return readdirSync(join(dir, name)).length } catch { return 0 } }
  const until = Date.now() + 5000
  while ((count('old') < 1 || count('keep') < 1) && Date.now() < until) await new Promise(resolve => setTimeout(resolve, 20))
  t.same([count('old'), count('keep')], [1, 1], 'first snapshots at start')
  const before = sim.requests.filter(r => r.cluster === 'old' && r.path.startsWith('/snapshot')).length

  archiver.apply(await parseConfig(`clusters:\n${entry('keep')}\n`, 'x.yaml'))
  await archiver.stop() // waits for the last snapshot in flight
  t.equal(sim.requests.filter(r => r.cluster === 'old' && r.path.startsWith('/snapshot')).length, before + 1, 'one more download of the removed cluster')
  t.equal(count('old'), 2, 'its last snapshot is archived')
  t.equal(count('keep'), 1, 'the kept cluster is not downloaded again (30d interval)')
})
