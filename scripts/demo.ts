/**
 * `npm run demo`: simulated vendor clusters plus the exporter polling them, on loopback.
 * Ports: DEMO_PORT (exporter, default 9847) and DEMO_SIM_PORT (simulator, default 9848).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startExporter } from '../src/exporter.js'
import { createLogger } from '../src/logger.js'
import { startSimulator, type Scenario } from '../test/simulator/server.js'

const port = Number(process.env.DEMO_PORT ?? 9847)
const simPort = Number(process.env.DEMO_SIM_PORT ?? 9848)
const tokens: Record<string, string> = {}
const token = (name: string): string => (tokens[name] ??= `dt0c01.DEMO${name.toUpperCase().replace(/-/g, '')}.secret`)

const clusters: Record<string, Scenario> = {
  'dt-prod-eu': { kind: 'dynatrace', token: token('dt-prod-eu'), license: 'overage_quota_reached', environments: 4 },
  'dt-prod-us': { kind: 'dynatrace', token: token('dt-prod-us'), license: 'using_overage', environments: 3 },
  'dt-staging': { kind: 'dynatrace', token: token('dt-staging'), license: 'near_quota', environments: 2 },
  'dt-lab': { kind: 'dynatrace', token: token('dt-lab'), license: 'unlimited', missing: ['environment_total'] },
  'dt-legacy': { kind: 'dynatrace', token: token('dt-legacy'), fault: { kind: 'status', status: 503, body: '<html><body>503 Service Unavailable</body></html>', contentType: 'text/html' } },
  'dt-dr': { kind: 'dynatrace', token: token('dt-dr'), fault: { kind: 'hang' } },
}

const sim = await startSimulator(clusters, { port: simPort })
const dir = mkdtempSync(join(tmpdir(), 'license-exporter-demo-'))
const lines = [
  'global:', '  interval: 30s', '  timeout: 5s', '  concurrency: 4', '  stale_after: 2m', 'clusters:',
]
for (const name of Object.keys(clusters)) {
  const file = join(dir, `${name}.token`)
  writeFileSync(file, `${token(name)}\n`, { mode: 0o600 })
  const env = name.startsWith('dt-prod') ? 'prod' : 'nonprod'
  lines.push(`  - name: ${name}`, '    type: dynatrace_managed', `    url: ${sim.baseUrl(name)}`, `    token_file: ${file}`, `    labels: { env: ${env} }`)
}
const configFile = join(dir, 'config.yaml')
writeFileSync(configFile, `${lines.join('\n')}\n`)

const exporter = await startExporter({
  configFile, host: '127.0.0.1', port, enableLifecycle: true,
  logger: createLogger(process.env.DEMO_LOG_LEVEL ?? 'warn'),
})
process.stdout.write(`
license-exporter demo is running (Ctrl-C to stop)
  metrics:    ${exporter.url}/metrics
  clusters:   ${exporter.url}/
  JSON:       ${exporter.url}/api/v1/clusters
  readiness:  ${exporter.url}/readyz
  simulator:  ${sim.url}  (${Object.keys(clusters).length} Dynatrace Managed clusters)
  config:     ${configFile}
`)

let stopping = false
const stop = (): void => {
  if (stopping) return
  stopping = true
  void Promise.allSettled([exporter.close(), sim.close()]).then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
