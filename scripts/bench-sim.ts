/**
 * The simulated vendors of `npm run bench`, in a process of their own, over HTTP or (with --tls-key and
 * --tls-cert) HTTPS. Driven over IPC: sends `{ url }` when listening; answers `{ cmd: 'drop' }` by closing
 * every connection (between rounds, so that no connection outlives a round, as with real vendors whose idle
 * timeouts are far shorter than a poll interval) with `{ dropped }`.
 *
 * Usage (by the benchmark): node --import tsx scripts/bench-sim.ts --clusters=N --latency=MS --products=N
 *                           [--tls-key=FILE --tls-cert=FILE]
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { startSimulator } from '../test/simulator/server.js'
import { fleetOf } from '../test/simulator/fleet.js'

/** What the benchmark asks the simulator. */
export type SimRequest = { cmd: 'drop' }

const { values } = parseArgs({ options: {
  clusters: { type: 'string', default: '1000' }, latency: { type: 'string', default: '0' }, products: { type: 'string', default: '20' },
  'tls-key': { type: 'string' }, 'tls-cert': { type: 'string' },
} })
const tls = values['tls-key'] !== undefined && values['tls-cert'] !== undefined
  ? { key: readFileSync(values['tls-key']), cert: readFileSync(values['tls-cert']) }
  : undefined
const sim = await startSimulator(fleetOf(Number(values.clusters), { latencyMs: Number(values.latency), products: Number(values.products) }), tls === undefined ? {} : { tls })
let open = 0
sim.server.on(tls === undefined ? 'connection' : 'secureConnection', socket => {
  open++
  socket.once('close', () => { open-- })
})
process.on('message', (msg: SimRequest) => {
  if (msg.cmd === 'drop') {
    const dropped = open
    sim.server.closeAllConnections()
    process.send?.({ dropped })
  }
})
process.on('disconnect', () => { void sim.close().then(() => process.exit(0)) })
process.send?.({ url: sim.url })
