/**
 * Delays beyond setTimeout's 2^31-1 ms (24.8 days), on a fake clock: a 90-day snapshot interval downloads
 * once per 90 days (not every millisecond); a Retry-After is cut to one day, and a reload clears it.
 */
import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { SnapshotArchiver } from '../../src/archive/archiver.js'
import { SPREAD_MS } from '../../src/archive/download-limit.js'
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
  // The next download is an interval later plus the cluster's offset by name (at most 15 minutes).
  clock.advance(DAY + SPREAD_MS)
  await waitFor(() => archives() === 2, 5000, 'second archive at 90 days')
  t.equal(downloads(), 2)
  t.ok(clock.maxDelayGiven <= 2 ** 31 - 1, 'no timer beyond the setTimeout limit')
})

t.test('a 35-day Retry-After is cut to one day: no poll before it, one after; a reload clears it', async t => {
  const token = 'dt-retry-after-token'
  const limited = { kind: 'dynatrace' as const, token, fault: { kind: 'status' as const, status: 429, headers: { 'retry-after': String(35 * 86_400) } } }
  const sim = await startSimulator({ dt: limited })
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
  t.ok(Math.abs(retryAt - clock.now() - DAY) < 60_000, 'the cluster asked for 35 days: one day')
  sim.set('dt', { kind: 'dynatrace', token })
  for (let h = 0; h < 23; h++) { clock.advance(3_600_000); await new Promise(resolve => setImmediate(resolve)) }
  await settle()
  t.equal(polls(), 1, 'no poll in 23 hours, though the interval is 1m')
  clock.advance(retryAt - clock.now() + 1)
  await waitFor(() => store.get('dt')?.up === true, 5000, 'polled again after a day')
  t.equal(polls(), 2)
  // Rate-limited again; a reload (the same config) clears the back-off: polled on its interval.
  sim.set('dt', limited)
  clock.advance(60_000)
  await waitFor(() => polls() === 3 && store.get('dt')?.up === false, 5000, 'the second 429')
  t.ok(store.get('dt')?.retryAtMs !== undefined, 'backing off again')
  sim.set('dt', { kind: 'dynatrace', token })
  poller.apply(config)
  t.equal(store.get('dt')?.retryAtMs, undefined, 'the reload forgot the back-off')
  clock.advance(60_000)
  await waitFor(() => store.get('dt')?.up === true, 5000, 'polled a minute after the reload')
  t.equal(polls(), 4, 'one poll after the reload, a minute later')
})
