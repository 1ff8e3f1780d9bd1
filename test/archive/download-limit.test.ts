/**
 * Snapshot downloads are bounded: at most four at once (fewer with a smaller `global.concurrency`), within a
 * byte budget (one always runs), first come first served; and each cluster's next download is offset by its
 * name, so a fleet's downloads drift apart.
 */
import { join } from 'node:path'
import { readdirSync } from 'node:fs'
import t from 'tap'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { DOWNLOAD_BYTES_BUDGET, DownloadLimit, downloadSpread, SPREAD_MS } from '../../src/archive/download-limit.js'
import { parseConfig } from '../../src/config/load.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { tempDir, waitFor } from '../helpers.js'
import { startSimulator, type Scenario } from '../simulator/server.js'

t.test('the limit: places, the byte budget, first come first served', async t => {
  const limit = new DownloadLimit()
  let now = 0
  let peak = 0
  const order: number[] = []
  const job = (i: number, ms = 20) => async (): Promise<number> => {
    peak = Math.max(peak, ++now)
    await new Promise(resolve => setTimeout(resolve, ms))
    now--
    order.push(i)
    return i
  }
  t.same(await Promise.all(Array.from({ length: 10 }, (_, i) => limit.run(1, job(i)))), [...Array(10).keys()])
  t.equal(peak, 4, 'four at once')
  peak = 0
  limit.max = 2
  await Promise.all(Array.from({ length: 6 }, (_, i) => limit.run(1, job(i))))
  t.equal(peak, 2, 'the config\'s concurrency, when smaller')
  peak = 0
  limit.max = 100
  await Promise.all(Array.from({ length: 6 }, (_, i) => limit.run(DOWNLOAD_BYTES_BUDGET / 2, job(i))))
  t.equal(peak, 2, 'the byte budget: two downloads of half of it at once (and never more than four)')
  peak = 0
  await limit.run(DOWNLOAD_BYTES_BUDGET * 4, job(0))
  t.equal(peak, 1, 'a download over the whole budget still runs, alone')
  t.equal(limit.running + limit.waiting, 0)
})

t.test('the offset of the next download: stable by name, under a tenth of the interval and 15 minutes', async t => {
  const day = 86_400_000
  const offsets = Array.from({ length: 200 }, (_, i) => downloadSpread(`ocp-${i}`, day))
  t.ok(offsets.every(o => o >= 0 && o < SPREAD_MS))
  t.ok(new Set(offsets.map(o => Math.floor(o / 60_000))).size > 10, 'spread over the window')
  t.equal(downloadSpread('ocp-1', day), downloadSpread('ocp-1', day))
  t.ok(downloadSpread('ocp-1', 60_000) < 6000, 'a 1m interval: under 6 s')
})

t.test('the archiver: twelve clusters due at once download four at a time (two with concurrency 2)', async t => {
  const token = 'ibm-limit-token'
  for (const [concurrency, max] of [[16, 4], [2, 2]] as const) {
    const names = Array.from({ length: 12 }, (_, i) => `ocp${i}`)
    const sim = await startSimulator(Object.fromEntries(names.map(n => [n, { kind: 'ibm', token, latencyMs: 150 } satisfies Scenario])))
    const dir = tempDir('license-exporter-test-', t)
    const config = await parseConfig(`global: { concurrency: ${concurrency} }\nclusters:\n${names.map(n => `  - { name: ${n}, type: ibm_license_service, url: "${sim.baseUrl(n)}", token: ${token}, snapshot: { directory: ${dir} } }`).join('\n')}\n`, 'x.yaml', {})
    const store = new Store()
    store.sync(names.map(name => ({ name, type: 'ibm_license_service' as const, labels: {}, staleAfterMs: 60_000 })))
    const archiver = new SnapshotArchiver({ store, log: createLogger('silent') })
    archiver.apply(config)
    archiver.start()
    const archived = (): number => names.filter(n => { try { return readdirSync(join(dir, n)).some(f => f.endsWith('.zip')) } catch { return false } }).length
    await waitFor(() => archived() === 12, 20_000, 'every snapshot')
    await archiver.stop()
    await sim.close()
    t.ok(sim.snapshotPeak <= max && sim.snapshotPeak >= 2, `concurrency ${concurrency}: at most ${max} downloads at once (${sim.snapshotPeak})`)
  }
})
