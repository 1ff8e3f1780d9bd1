/**
 * A simulator of N clusters in its own process (for the load test and the benchmark, so that the load
 * generator does not starve the simulated vendors). Prints one JSON line `{ "url": ... }` when listening.
 * Options: --clusters=N --latency=MS --flaky-fifth (a fifth of the clusters fail half their requests)
 *          --products=N (IBM product records per cluster)
 */
import { parseArgs } from 'node:util'
import { startSimulator } from '../test/simulator/server.js'
import { fleetOf } from '../test/simulator/fleet.js'

const { values } = parseArgs({ options: {
  clusters: { type: 'string', default: '200' }, latency: { type: 'string', default: '0' },
  'flaky-fifth': { type: 'boolean', default: false }, products: { type: 'string', default: '4' },
} })
const sim = await startSimulator(fleetOf(Number(values.clusters), {
  latencyMs: Number(values.latency), flakyFifth: values['flaky-fifth'], products: Number(values.products),
}))
process.stdout.write(`${JSON.stringify({ url: sim.url })}\n`)
process.on('SIGTERM', () => { void sim.close().then(() => process.exit(0)) })
