/**
 * `npm run demo`: simulated vendor clusters plus the exporter polling them, on loopback.
 * Ports: DEMO_PORT (exporter, default 9847) and DEMO_SIM_PORT (simulator, default 9848).
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startExporter } from '../src/exporter.js'
import { createLogger } from '../src/logger.js'
import { products } from '../test/simulator/ibm.js'
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
  'ocp-prod-1': { kind: 'ibm', token: token('ocp-prod-1'), unannotated: 3 },
  'ocp-prod-2': { kind: 'ibm', token: token('ocp-prod-2'), auth: 'bearer', products: products(2) },
  'ocp-dev': { kind: 'ibm', token: token('ocp-dev'), missing: ['bundled_products'], products: products(1).slice(0, 2) },
}
/** Entitlements per IBM cluster, and globally for the sum over all IBM clusters. */
const ENTITLEMENTS: Record<string, string> = {
  'ocp-prod-1': '[{ product: "IBM Cloud Pak for Integration", unit: VIRTUAL_PROCESSOR_CORE, quota: 24 }, { product_id: "208423bb063c43288328b1d788745b0c", unit: VIRTUAL_PROCESSOR_CORE, quota: 4 }]',
}

const sim = await startSimulator(clusters, { port: simPort })
const dir = mkdtempSync(join(tmpdir(), 'license-exporter-demo-'))
const lines = [
  'global:', '  interval: 30s', '  timeout: 5s', '  concurrency: 4', '  stale_after: 2m',
  '  entitlements:',
  '    - { product: "IBM API Connect Enterprise", unit: VIRTUAL_PROCESSOR_CORE, quota: 40 }',
  '    - { product: "IBM Cloud Pak for Integration", unit: VIRTUAL_PROCESSOR_CORE, quota: 64 }',
  'clusters:',
]
for (const name of Object.keys(clusters)) {
  const file = join(dir, `${name}.token`)
  writeFileSync(file, `${token(name)}\n`, { mode: 0o600 })
  const scenario = clusters[name]!
  const env = name.includes('prod') ? 'prod' : 'nonprod'
  lines.push(`  - name: ${name}`, `    type: ${scenario.kind === 'ibm' ? 'ibm_license_service' : 'dynatrace_managed'}`,
    `    url: ${sim.baseUrl(name)}`, `    token_file: ${file}`, `    labels: { env: ${env} }`)
  if (scenario.kind === 'ibm' && scenario.auth === 'bearer') lines.push('    auth: bearer')
  if (ENTITLEMENTS[name] !== undefined) lines.push(`    entitlements: ${ENTITLEMENTS[name]}`)
  if (name === 'ocp-prod-1') lines.push(`    snapshot: { directory: ${join(dir, 'snapshots')}, interval: 24h, keep: 7 }`)
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
  IBM report: ${exporter.url}/api/v1/report  (CSV: ${exporter.url}/api/v1/report?format=csv)
  readiness:  ${exporter.url}/readyz
  simulator:  ${sim.url}  (${Object.values(clusters).filter(c => c.kind === 'dynatrace').length} Dynatrace Managed, ${Object.values(clusters).filter(c => c.kind === 'ibm').length} IBM License Service)
  snapshots:  ${join(dir, 'snapshots')}
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
