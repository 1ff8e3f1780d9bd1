import { mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { FUTURE_TOLERANCE_MS, retentionPlan, type RetainedArchive } from '../../src/archive/retention.js'
import { archiveName } from '../../src/archive/vault.js'
import { parseConfig } from '../../src/config/load.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { systemClock } from '../../src/util/timer.js'
import { tempDir, testIndex } from '../helpers.js'
import { snapshotZip } from '../simulator/ibm.js'
import { startSimulator } from '../simulator/server.js'
import { directoryVault } from '../../src/archive/store.js'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10)
/** A good archive taken `ago` days before NOW, holding data up to the day it was taken and the newest source of days up to `wonUntil` days ago. */
const good = (ago: number, wonUntil?: number): RetainedArchive => ({
  name: archiveName(NOW - ago * DAY), takenMs: NOW - ago * DAY, state: 'good',
  lastWonDay: wonUntil === undefined ? undefined : day(NOW - wonUntil * DAY), dataEndMs: NOW - ago * DAY + 12 * 3_600_000,
})
const rule = { keepForMs: 730 * DAY, keep: 1 }

t.test('the rule: older than keep_for, not among the newest keep, not the newest source of a day inside keep_for', async t => {
  const [a800, a700, a10] = [good(800), good(700), good(0, 0)]
  t.same(retentionPlan([a800, a700, a10], rule, NOW), { remove: [a800.name], cutoffMs: NOW - 730 * DAY }, '800 days old goes; 700 days old stays')
  t.same(retentionPlan([a800], rule, NOW).remove, [], 'the newest good archive stays however old')
  t.same(retentionPlan([a800, a700, a10], { ...rule, keep: 3 }, NOW).remove, [], 'keep protects the newest N')
  const holdsCutoff = good(760, 729)
  t.same(retentionPlan([holdsCutoff, a10], rule, NOW).remove, [], 'an archive still the newest source of a day inside keep_for is kept, however old')
  t.same(retentionPlan([good(760, 731), a10], rule, NOW).remove, [good(760).name], 'once its last day falls out of keep_for, it goes')
  t.same(retentionPlan([a800, good(90)], rule, NOW).remove, [], 'age counts from the newest good evidence: 90 days without a snapshot, 90 days more kept')
})

t.test('the rule: verdicts', async t => {
  const refused = { ...good(800), state: 'refused' as const, dataEndMs: undefined }
  const pending = { ...good(900), state: 'pending' as const, dataEndMs: undefined }
  t.same(retentionPlan([refused, pending, good(10, 0)], rule, NOW).remove, [refused.name], 'an unreadable archive past keep_for goes; one not read yet stays')
  t.same(retentionPlan([good(800), refused], rule, NOW).remove, [], '`keep` counts good archives only: the refused one cannot stand in for the last good one')
  t.same(retentionPlan([refused, pending], rule, NOW), { remove: [], paused: 'no archive with daily data has been read yet' })
})

t.test('the rule: a clock in the past of the evidence pauses retention; a clock ahead of it does not age it', async t => {
  const future = good(-400)
  const plan = retentionPlan([good(800), good(10, 0), future], rule, NOW)
  t.same(plan.remove, [], 'nothing goes while an archive is dated after the clock')
  t.match('paused' in plan ? plan.paused : '', /dated after the clock/)
  t.same(retentionPlan([good(800), good(-1 * FUTURE_TOLERANCE_MS / DAY)], rule, NOW).remove, [good(800).name], 'within the tolerance is not the future')

  // Five archives over 16 months, then one download under a clock two years fast: its data ends today.
  const five = [480, 360, 240, 120, 1].map((ago, i) => good(ago, i === 4 ? 0 : ago - 90))
  const fast = NOW + 730 * DAY
  const written = { name: archiveName(fast), takenMs: fast, state: 'good' as const, lastWonDay: day(NOW), dataEndMs: NOW + 12 * 3_600_000 }
  const ahead = retentionPlan([...five, written], rule, fast)
  t.same(ahead.remove, [], 'a clock two years fast removes none of the 16 months')
  t.equal('cutoffMs' in ahead ? ahead.cutoffMs : 0, NOW + 12 * 3_600_000 - 730 * DAY, 'age is measured from the evidence, not the clock')
  const empty = { ...written, lastWonDay: undefined, dataEndMs: undefined }
  t.same(retentionPlan([...five, empty], rule, fast).remove, [], 'nor does one whose snapshot holds no daily row: it is no evidence of the time')
  t.same(retentionPlan([good(800), { ...good(1, 0), dataEndMs: undefined }], rule, NOW).remove, [], '`keep` protects the newest archive with daily data, not an empty one')
})

t.test('with keep_for at its default, a download keeps the 700-day archive and removes the 800-day one; a failed download removes nothing', async t => {
  const token = 'ibm-retention-token-01'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token } })
  const dir = tempDir()
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${dir} } }\n`, 'x.yaml')
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  const index = testIndex(t)
  const archiver = new SnapshotArchiver({ store, log: createLogger('silent'), clock: { ...systemClock, now: () => NOW }, catalog: index })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close() })

  const clusterDir = join(dir, 'ocp')
  mkdirSync(clusterDir, { recursive: true })
  const [d900, d800, d700] = [900, 800, 700].map(d => archiveName(NOW - d * DAY))
  for (const [i, name] of [d900!, d800!, d700!].entries()) writeFileSync(join(clusterDir, name), snapshotZip('ocp', { todayMs: NOW - [900, 800, 700][i]! * DAY }))
  await index.sync([{ vault: directoryVault(dir), clusters: ['ocp'] }], NOW)
  await index.idle()

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
  const indexed = await index.retention(directoryVault(dir), 'ocp')
  t.same(indexed.map(a => a.name).sort(), [d700, archiveName(NOW)].sort(), 'the index follows the removal')
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
