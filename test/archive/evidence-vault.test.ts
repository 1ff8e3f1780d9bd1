/**
 * The vault cannot be fooled (issue #20), through the archiver and the running exporter: clocks that jump,
 * archives restored under their name or with fresh mtimes, temp files left by a crash, and retention that
 * would remove the only source of a day still inside keep_for. Each case failed before the evidence index.
 */
import { readdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { archiveName } from '../../src/archive/vault.js'
import { parseConfig } from '../../src/config/load.js'
import { startExporter } from '../../src/exporter.js'
import type { PeriodReport } from '../../src/licensing/period-report.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { systemClock } from '../../src/util/timer.js'
import { LogCapture, seriesValue, tempDir, testIndex, waitFor } from '../helpers.js'
import { products } from '../simulator/ibm.js'
import { startSimulator } from '../simulator/server.js'
import { DAY, at, writeSnapshot } from '../fixtures/vault.js'
import { directoryVault } from '../../src/archive/store.js'

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
const NOW = Date.UTC(2026, 10, 20, 8, 0, 0)

t.test('one download under a clock two years fast removes nothing, and its archive never wins once the clock is right', async t => {
  const token = 'ibm-clock-token-01'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token, snapshotTodayMs: NOW } })
  const vault = tempDir('license-exporter-test-', t)
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${vault} } }\n`, 'x.yaml')
  // Five archives over 16 months, each with 90 days of data up to the day it was taken.
  const five = [480, 360, 240, 120, 1].map(ago => {
    const taken = NOW - ago * DAY
    const rows = Array.from({ length: 90 }, (_, i) => [day(taken - (89 - i) * DAY), 3] as [string, number])
    return writeSnapshot(vault, 'ocp', taken, { rows })
  })
  const index = testIndex(t)
  await index.sync([{ vault: directoryVault(vault), clusters: ['ocp'] }], NOW)
  await index.idle()
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  let clock = NOW + 730 * DAY
  const logs = new LogCapture()
  const archiver = new SnapshotArchiver({ store, log: createLogger('info', logs), clock: { ...systemClock, now: () => clock }, catalog: index })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close() })

  t.ok((await archiver.runNow('ocp')).ok)
  const names = (): string[] => readdirSync(join(vault, 'ocp')).sort()
  t.same(names(), [...five.map(f => f.split('/').pop()!), archiveName(clock)].sort(), 'all five archives of 16 months are kept')

  // The clock is put right; the License Service now reports twice the usage.
  clock = NOW + DAY
  sim.set('ocp', { kind: 'ibm', token, snapshotTodayMs: NOW + DAY, products: products(2) })
  t.ok((await archiver.runNow('ocp')).ok)
  t.equal(names().length, 7, 'nothing removed while an archive is dated after the clock')
  t.match(logs.text, /retention of audit snapshots paused[\s\S]*dated after the clock/)
  const report = await index.report({ window: { from: day(NOW - 10 * DAY), to: day(NOW) }, clusters: [{ name: 'ocp', vault, current: [] }], entitlements: [] })
  const mq = report.report.rows.find(r => r.product === 'IBM MQ Advanced' && r.product_id === '208423bb063c43288328b1d788745b0c')
  t.equal(mq?.peak, 8, 'the fresh archive (4 VPC x 2) is the source, not the future-named one (4 VPC)')
  t.match(report.problems, [{ reason: 'future', file: archiveName(NOW + 730 * DAY) }])
  const retained = await index.retention(directoryVault(vault), 'ocp')
  t.equal(retained.find(a => a.name === archiveName(NOW + 730 * DAY))?.state, 'quarantined')
  t.equal(store.get('ocp')?.extras.get('license_snapshot_last_success_timestamp_seconds')?.value, (NOW + DAY) / 1000, 'last success is not the future-named archive')
})

t.test('a download with no daily row, under a clock two years fast, removes nothing either', async t => {
  const token = 'ibm-clock-token-02'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token, snapshotTodayMs: NOW, products: [] } })
  const vault = tempDir('license-exporter-test-', t)
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${vault} } }\n`, 'x.yaml')
  for (const ago of [480, 360, 240, 120, 1]) writeSnapshot(vault, 'ocp', NOW - ago * DAY, { rows: [[day(NOW - ago * DAY), 3]] })
  const index = testIndex(t)
  await index.sync([{ vault: directoryVault(vault), clusters: ['ocp'] }], NOW)
  await index.idle()
  const archiver = new SnapshotArchiver({ store: new Store(), log: createLogger('silent'), clock: { ...systemClock, now: () => NOW + 730 * DAY }, catalog: index })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close() })
  t.ok((await archiver.runNow('ocp')).ok)
  t.equal(readdirSync(join(vault, 'ocp')).length, 6, 'the five archives stay beside the empty one')
})

t.test('retention keeps the only archive holding the cut-off day', async t => {
  const token = 'ibm-cutoff-token-01'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token, snapshotTodayMs: NOW } })
  const vault = tempDir('license-exporter-test-', t)
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${vault} } }\n`, 'x.yaml')
  // Taken at 01:00 on the cut-off day (keep_for ends at 08:00 that day): older than keep_for, yet the only source of that day.
  const cutoffDay = NOW - 730 * DAY
  const holder = writeSnapshot(vault, 'ocp', at(day(cutoffDay), 1), { rows: [[day(cutoffDay - DAY), 1], [day(cutoffDay), 2]] })
  const older = writeSnapshot(vault, 'ocp', at(day(cutoffDay - 5 * DAY), 1), { rows: [[day(cutoffDay - 5 * DAY), 1]] })
  const index = testIndex(t)
  await index.sync([{ vault: directoryVault(vault), clusters: ['ocp'] }], NOW)
  await index.idle()
  const archiver = new SnapshotArchiver({ store: new Store(), log: createLogger('silent'), clock: { ...systemClock, now: () => NOW }, catalog: index })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close() })
  t.ok((await archiver.runNow('ocp')).ok)
  const left = readdirSync(join(vault, 'ocp'))
  t.ok(left.includes(holder.split('/').pop()!), 'the archive holding the cut-off day stays')
  t.notOk(left.includes(older.split('/').pop()!), 'an older one holding no day inside keep_for goes')
})

t.test('the exporter: a restore under an archive\'s name is read again; last success and the next download follow names, not mtimes; crash leftovers go', async t => {
  const token = 'ibm-restore-token-01'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token, snapshot: { kind: 'status', status: 503 } } })
  const dir = tempDir('license-exporter-test-', t)
  const vault = join(dir, 'vault')
  const taken = Date.now() - 30 * DAY
  const file = writeSnapshot(vault, 'ocp', taken, { rows: [[day(taken - DAY), 5]] })
  // A backup restored today: an old name with a fresh mtime.
  utimesSync(file, new Date(), new Date())
  writeFileSync(join(vault, 'ocp', archiveName(taken - DAY)), '<html>not a zip</html>')
  const temp = join(vault, 'ocp', `.${archiveName(taken)}.1a2b3c4d.tmp`)
  writeFileSync(temp, 'half a zip')
  utimesSync(temp, new Date(taken), new Date(taken))
  const config = join(dir, 'config.yaml')
  writeFileSync(config, `global: { interval: 1h }\nclusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${vault}, interval: 1d } }\n`)
  const exporter = await startExporter({ configFile: config, host: '127.0.0.1', port: 0, logger: createLogger('silent') })
  t.teardown(async () => { await exporter.close(); await sim.close() })

  await waitFor(() => sim.requests.some(r => r.path.startsWith('/snapshot')), 5000, 'a download: the newest archive is 30 days old by its name')
  await waitFor(() => exporter.store.get('ocp')?.extras.get('license_snapshot_failures_total{"reason":"http_5xx"}')?.value === 1, 5000, 'the failed download')
  t.equal(exporter.store.get('ocp')?.extras.get('license_snapshot_last_success_timestamp_seconds')?.value, taken / 1000, 'last success is the name\'s time, so LicenseSnapshotMissing can fire')
  t.notOk(readdirSync(join(vault, 'ocp')).includes(temp.split('/').pop()!), 'the temp file of an interrupted write is removed at start')

  await exporter.evidence.idle()
  const refused = await waitFor(async () => seriesValue((await exporter.app.inject({ url: '/metrics' })).body, 'license_snapshot_refused_archives', { cluster: 'ocp', reason: 'invalid_zip' }), 5000, 'the refused archive on /metrics')
  t.equal(refused, 1, 'the damaged archive is counted by reason')
  const report = async (): Promise<PeriodReport> => (await exporter.app.inject({ url: `/api/v1/report?from=${day(taken - DAY)}&to=${day(taken - DAY)}` })).json<PeriodReport>()
  t.equal((await report()).rows[0]?.peak, 5)
  // The archive is restored from a backup that holds other figures, under the same name.
  writeSnapshot(vault, 'ocp', taken, { rows: [[day(taken - DAY), 50]] })
  await exporter.reload()
  await exporter.evidence.idle()
  t.equal((await report()).rows[0]?.peak, 50, 'read again')
})

t.test('the exporter: a cluster configured twice (one cluster id in two entries\' snapshots) is counted once, and says so on /metrics', async t => {
  const dir = tempDir('license-exporter-test-', t)
  const vault = join(dir, 'vault')
  const yesterday = day(Date.now() - DAY)
  for (const c of ['first', 'again']) writeSnapshot(vault, c, at(yesterday), { rows: [[yesterday, 10]], clusterId: 'ocp-4f2a' })
  const config = join(dir, 'config.yaml')
  writeFileSync(config, `global: { interval: 1h }\nclusters:\n${['first', 'again'].map(c => `  - { name: ${c}, type: ibm_license_service, url: "http://127.0.0.1:9/${c}", token: twice-token, snapshot: { directory: ${vault}, interval: 30d } }`).join('\n')}\n`)
  const exporter = await startExporter({ configFile: config, host: '127.0.0.1', port: 0, logger: createLogger('silent') })
  t.teardown(() => exporter.close())
  await exporter.evidence.idle()
  const flagged = await waitFor(async () => seriesValue((await exporter.app.inject({ url: '/metrics' })).body, 'license_snapshot_refused_archives', { cluster: 'again', reason: 'duplicate_cluster' }), 10_000, 'the duplicate on /metrics')
  t.equal(flagged, 1)
  const report = (await exporter.app.inject({ url: `/api/v1/report?from=${yesterday}&to=${yesterday}` })).json<PeriodReport>()
  t.equal(report.rows[0]?.peak, 10, 'counted once')
})
