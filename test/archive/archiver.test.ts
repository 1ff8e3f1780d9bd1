import { readFileSync, readdirSync, writeFileSync, mkdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { createLogger } from '../../src/util/logger.js'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { archiveName } from '../../src/archive/vault.js'
import { checkZip } from '../../src/sources/ibm/zip-check.js'
import { systemClock } from '../../src/util/timer.js'
import { Store } from '../../src/polling/store.js'
import { snapshotZip } from '../simulator/ibm.js'
import { startSimulator, type IbmScenario } from '../simulator/server.js'
import { LogCapture, tempDir } from '../helpers.js'

t.test('zip check', async t => {
  const zip = snapshotZip('c')
  t.same(checkZip(zip), { ok: true, entries: 3 })
  t.equal(checkZip(zip.subarray(0, 60)).ok, false, 'truncated')
  t.equal(checkZip(Buffer.from('<html>not a zip</html>')).ok, false, 'HTML')
  const damaged = Buffer.from(zip)
  damaged.writeUInt32LE(0, zip.length - 22 - 60)
  t.equal(checkZip(damaged).ok, false, 'damaged central directory')
})

async function setup (t: { teardown (fn: () => unknown): void }, scenario: IbmScenario, keep = 2) {
  const sim = await startSimulator({ ocp: scenario })
  const dir = tempDir()
  const config = await parseConfig(`clusters:\n  - name: ocp\n    type: ibm_license_service\n    url: ${sim.baseUrl('ocp')}\n    token: ${scenario.token}\n    snapshot: { directory: ${dir}, keep: ${keep}, interval: 1h }\n`, 'x.yaml')
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  let now = Date.UTC(2026, 10, 22, 8, 0, 0)
  const logs = new LogCapture()
  const archiver = new SnapshotArchiver({ store, log: createLogger('info', logs), clock: { ...systemClock, now: () => (now += 60_000) } })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close() })
  const files = (): string[] => readdirSync(join(dir, 'ocp')).sort()
  return { sim, dir, store, archiver, files, logs }
}

t.test('two downloads give two valid zips; failures leave them untouched; young archives are kept', async t => {
  const { sim, dir, store, archiver, files, logs } = await setup(t, { kind: 'ibm', token: 'ibm-snap-token-01' })
  const first = await archiver.runNow('ocp')
  const second = await archiver.runNow('ocp')
  t.ok(first.ok && second.ok)
  t.equal(files().length, 2)
  for (const f of files()) t.ok(checkZip(readFileSync(join(dir, 'ocp', f))).ok, `${f} is a valid zip`)
  const before = files().map(f => [f, readFileSync(join(dir, 'ocp', f)).toString('base64')])
  t.equal(store.get('ocp')?.extras.get('license_snapshot_size_bytes')?.value, readFileSync(join(dir, 'ocp', files()[1]!)).length)

  for (const snapshot of ['corrupt', { kind: 'status', status: 500 }, { kind: 'html' }, { kind: 'status', status: 401, body: '<b>Unauthorized</b>', contentType: 'text/html' }] as const) {
    sim.set('ocp', { kind: 'ibm', token: 'ibm-snap-token-01', snapshot })
    const r = await archiver.runNow('ocp')
    t.notOk(r.ok, `${JSON.stringify(snapshot)} fails`)
    t.same(files().map(f => [f, readFileSync(join(dir, 'ocp', f)).toString('base64')]), before, 'earlier archives untouched, no temp file left')
  }
  const lastOk = store.get('ocp')?.extras.get('license_snapshot_last_success_timestamp_seconds')?.value

  sim.set('ocp', { kind: 'ibm', token: 'ibm-snap-token-01' })
  const third = await archiver.runNow('ocp')
  t.ok(third.ok)
  t.same(files(), [before[0]![0], before[1]![0], (third as { file: string }).file.split('/').pop()], 'nothing younger than keep_for (two years) is removed, whatever keep says')
  t.ok(store.get('ocp')!.extras.get('license_snapshot_last_success_timestamp_seconds')!.value > lastOk!)
  t.notMatch(logs.text, 'ibm-snap-token-01', 'token not logged')
})

t.test('a restart picks the newest archive up from disk and schedules from it', async t => {
  const { dir, store, archiver } = await setup(t, { kind: 'ibm', token: 'ibm-snap-token-02' })
  mkdirSync(join(dir, 'ocp'), { recursive: true })
  const file = join(dir, 'ocp', archiveName(Date.UTC(2026, 10, 22, 8, 0, 0)))
  writeFileSync(file, snapshotZip('old'))
  archiver.start()
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(store.get('ocp')?.extras.get('license_snapshot_size_bytes')?.value, statSync(file).size)
  t.equal(readdirSync(join(dir, 'ocp')).length, 1, 'not downloaded again before the interval is up')
})

t.test('scheduled downloads: two runs on the schedule give two valid zips', async t => {
  const sim = await startSimulator({ ocp: { kind: 'ibm', token: 'ibm-snap-token-03', auth: 'bearer' } })
  const dir = tempDir()
  const config = await parseConfig(`clusters:\n  - name: ocp\n    type: ibm_license_service\n    url: ${sim.baseUrl('ocp')}\n    auth: bearer\n    token: ibm-snap-token-03\n    snapshot: { directory: ${dir}, interval: 1m }\n`, 'x.yaml')
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: 60_000 }])
  // A quick clock: every timer fires within 100 ms, so a 1-minute interval passes at once.
  const quick = { ...systemClock, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, Math.min(ms, 100)) }
  const archiver = new SnapshotArchiver({ store, log: createLogger('silent'), clock: quick })
  archiver.apply(config)
  archiver.start()
  t.teardown(async () => { await archiver.stop(); await sim.close() })
  const deadline = Date.now() + 5000
  let files: string[] = []
  while (Date.now() < deadline) {
    try { files = readdirSync(join(dir, 'ocp')).filter(x => x.endsWith('.zip')) } catch { files = [] }
    if (files.length >= 2) break
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  t.ok(files.length >= 2, `${files.length} archives after the schedule ran`)
  for (const file of files) t.ok(checkZip(readFileSync(join(dir, 'ocp', file))).ok)
  t.ok(sim.requests.filter(r => r.path === '/snapshot').every(r => r.headers.authorization === 'Bearer ibm-snap-token-03'))
})

t.test('the snapshot gauges follow the folder after a failed download: a deleted archive is not counted', async t => {
  const { sim, dir, store, archiver, files } = await setup(t, { kind: 'ibm', token: 'ibm-snap-token-09' })
  t.ok((await archiver.runNow('ocp')).ok)
  t.ok((await archiver.runNow('ocp')).ok)
  const extra = (m: string): number | undefined => store.get('ocp')?.extras.get(m)?.value
  t.equal(extra('license_snapshot_archives'), 2)
  const [older, newer] = files()
  const { rmSync } = await import('node:fs')
  rmSync(join(dir, 'ocp', newer!))
  sim.set('ocp', { kind: 'ibm', token: 'ibm-snap-token-09', snapshot: { kind: 'status', status: 500 } })
  t.notOk((await archiver.runNow('ocp')).ok)
  t.equal(extra('license_snapshot_archives'), 1, 'the deleted archive is not counted')
  t.equal(extra('license_snapshot_last_success_timestamp_seconds'), Date.parse(older!.slice(0, 10) + older!.slice(10, 24).replace(/T(\d\d)-(\d\d)-(\d\d)-(\d\d\d)Z/, 'T$1:$2:$3.$4Z')) / 1000, 'last success: the archive that is there')
})
