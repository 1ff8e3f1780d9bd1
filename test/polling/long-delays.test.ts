/**
 * Delays beyond setTimeout's 2^31-1 ms (24.8 days), on a fake clock: a 90-day snapshot interval downloads
 * once per 90 days (not every millisecond), and a 35-day Retry-After keeps the cluster unpolled for 35 days.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { parseConfig } from '../../src/config/load.js'
import { Poller } from '../../src/polling/poller.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { FakeClock } from '../fixtures/fake-clock.js'
import { tempDir, waitFor } from '../helpers.js'
import { startSimulator } from '../simulator/server.js'

const DAY = 86_400_000
const START = Date.UTC(2026, 0, 1)
const settle = (): Promise<void> => new Promise(resolve => setTimeout(resolve, 150))

t.test('a 90-day snapshot interval: one download at start, none at 89 days, the next at 90', async t => {
  const token = 'ibm-long-interval-token'
  const sim = await startSimulator({ ocp: { kind: 'ibm', token } })
  const dir = tempDir()
  const config = await parseConfig(`clusters:\n  - { name: ocp, type: ibm_license_service, url: "${sim.baseUrl('ocp')}", token: ${token}, snapshot: { directory: ${dir}, interval: 90d } }\n`, 'x.yaml', {})
  const clock = new FakeClock(START)
  const store = new Store()
  store.sync([{ name: 'ocp', type: 'ibm_license_service', labels: {}, staleAfterMs: DAY }])
  const archiver = new SnapshotArchiver({ store, log: createLogger('silent'), clock })
  archiver.apply(config)
  t.teardown(async () => { await archiver.stop(); await sim.close(); rmSync(dir, { recursive: true, force: true }) })
  const downloads = (): number => sim.requests.filter(r => r.path.startsWith('/snapshot')).length
  const archives = (): number => { try { return readdirSync(join(dir, 'ocp')).length } catch { return 0 } }

  archiver.start()
  await waitFor(() => clock.pending > 0, 5000, 'first download scheduled')
  clock.advance(0)
  await waitFor(() => archives() === 1, 5000, 'first archive')
  await settle()
  for (let d = 0; d < 89; d++) { clock.advance(DAY); await new Promise(resolve => setImmediate(resolve)) }
  await settle()
  t.equal(downloads(), 1, 'no download in the first 89 days')
  clock.advance(DAY)
  await waitFor(() => archives() === 2, 5000, 'second archive at 90 days')
  t.equal(downloads(), 2)
  t.ok(clock.maxDelayGiven <= 2 ** 31 - 1, 'no timer beyond the setTimeout limit')
})

t.test('a 35-day Retry-After: no poll before 35 days, one after', async t => {
  const token = 'dt-retry-after-token'
  const sim = await startSimulator({ dt: { kind: 'dynatrace', token, fault: { kind: 'status', status: 429, headers: { 'retry-after': String(35 * 86_400) } } } })
  const config = await parseConfig(`global: { interval: 1m }\nclusters:\n  - { name: dt, type: dynatrace_managed, url: "${sim.baseUrl('dt')}", token: ${token} }\n`, 'x.yaml', {})
  const clock = new FakeClock(Date.now())
  const store = new Store()
  const poller = new Poller({ store, log: createLogger('silent'), clock })
  poller.apply(config)
  t.teardown(async () => { await poller.stop(); await sim.close() })
  const polls = (): number => sim.requests.filter(r => r.path.startsWith('/api/cluster/v2/clusterLicense') && !r.path.includes('environment')).length
  poller.start()
  await waitFor(() => store.get('dt')?.lastError?.reason === 'rate_limited', 5000, 'the 429')
  t.equal(polls(), 1)
  const retryAt = store.get('dt')?.retryAtMs ?? 0
  t.ok(retryAt - clock.now() > 34 * DAY, 'the cluster asked for 35 days')
  sim.set('dt', { kind: 'dynatrace', token })
  for (let h = 0; h < 34 * 24; h += 12) { clock.advance(12 * 3_600_000); await new Promise(resolve => setImmediate(resolve)) }
  await settle()
  t.equal(polls(), 1, 'no poll in 34 days, though the interval is 1m')
  // Exactly to the time asked for (the poll's own deadline runs on this clock too: do not jump past it).
  clock.advance(retryAt - clock.now() + 1)
  await waitFor(() => store.get('dt')?.up === true, 5000, 'polled again after 35 days')
  t.equal(polls(), 2)
})
