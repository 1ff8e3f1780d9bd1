/**
 * `npm run demo`: simulated vendor clusters plus the exporter polling them, on loopback.
 * Ports: DEMO_PORT (exporter, default 9847) and DEMO_SIM_PORT (simulator, default 9848).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startExporter } from '../src/exporter.js'
import { createLogger } from '../src/util/logger.js'
import { fleetClusters, writeFleetConfig } from '../test/simulator/fleet.js'
import { startSimulator } from '../test/simulator/server.js'

const port = Number(process.env.DEMO_PORT ?? 9847)
const simPort = Number(process.env.DEMO_SIM_PORT ?? 9848)
const clusters = fleetClusters()
const sim = await startSimulator(clusters, { port: simPort })
const dir = mkdtempSync(join(tmpdir(), 'license-exporter-demo-'))
const configFile = writeFleetConfig(sim, clusters, dir, { interval: '30s', timeout: '5s', staleAfter: '2m' })

const exporter = await startExporter({
  configFile, host: '127.0.0.1', port, enableLifecycle: true,
  logger: createLogger(process.env.DEMO_LOG_LEVEL ?? 'warn'),
})
const count = (kind: string): number => Object.values(clusters).filter(c => c.kind === kind).length
process.stdout.write(`
license-exporter demo is running (Ctrl-C to stop)
  metrics:    ${exporter.url}/metrics
  clusters:   ${exporter.url}/
  JSON:       ${exporter.url}/api/v1/clusters
  IBM report: ${exporter.url}/api/v1/report  (CSV: ${exporter.url}/api/v1/report?format=csv)
  readiness:  ${exporter.url}/readyz
  simulator:  ${sim.url}  (${count('dynatrace')} Dynatrace Managed, ${count('ibm')} IBM License Service)
  config:     ${configFile}
  snapshots:  ${join(dir, 'snapshots')}
`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  void Promise.allSettled([exporter.close(), sim.close()]).then(() => {
    rmSync(dir, { recursive: true, force: true })
    process.exit(0)
  })
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
