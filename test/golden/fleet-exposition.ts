/**
 * The golden exposition: `/metrics` (per-cluster part) of the demo fleet polled once at a fixed time, as
 * node_exporter keeps its `e2e-output.txt`. `npm run golden` rewrites the committed file; the test compares
 * byte for byte, so a change of HELP text, label, order or value format shows up in review.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { loadConfig } from '../../src/config/load.js'
import { globalEntitlementSamples } from '../../src/licensing/usage.js'
import { ClusterMetrics } from '../../src/metrics/cluster.js'
import { Poller } from '../../src/polling/poller.js'
import { Store } from '../../src/polling/store.js'
import { createLogger } from '../../src/util/logger.js'
import { systemClock } from '../../src/util/timer.js'
import { tempDir } from '../helpers.js'
import { fleetClusters, writeFleetConfig } from '../simulator/fleet.js'
import { startSimulator } from '../simulator/server.js'

/** Where the committed golden file lives. */
export const GOLDEN_FILE = join(import.meta.dirname, 'exposition.prom')

/** The fixed time of the golden poll: 2026-01-15T12:00:00Z. */
export const GOLDEN_TIME_MS = Date.UTC(2026, 0, 15, 12, 0, 0)

/** Poll the demo fleet once at {@link GOLDEN_TIME_MS} and render the per-cluster exposition as text. */
export async function goldenExposition (): Promise<string> {
  const clusters = fleetClusters()
  const sim = await startSimulator(clusters)
  const dir = tempDir()
  try {
    const config = await loadConfig(writeFleetConfig(sim, clusters, dir, { interval: '1h', timeout: '1s', staleAfter: '2h' }))
    const store = new Store()
    // A clock that stands still: every poll starts and ends at the golden time (timers still run for real).
    const poller = new Poller({ store, log: createLogger('silent'), clock: { ...systemClock, now: () => GOLDEN_TIME_MS } })
    poller.apply(config)
    await poller.pollAllOnce()
    await poller.stop()
    const metrics = new ClusterMetrics(store, { aggregates: () => globalEntitlementSamples(store.list(), config.global.entitlements) })
    return (await metrics.get('text')).toString()
  } finally {
    await sim.close()
    rmSync(dir, { recursive: true, force: true })
  }
}
