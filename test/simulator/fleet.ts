/**
 * The demo fleet: simulated Dynatrace Managed and IBM License Service clusters covering every state the
 * dashboards and alerts show, and the exporter config that polls them. Used by `npm run demo` and by the
 * end-to-end test against a real Prometheus.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { products } from './ibm.js'
import type { Scenario, Simulator } from './server.js'

/** A fake token per cluster (recognisable, never real). */
export const fleetToken = (name: string): string => `fake0c01.DEMO${name.toUpperCase().replace(/-/g, '')}.secret`

/** The clusters: name -> scenario. */
export function fleetClusters (): Record<string, Scenario> {
  const t = fleetToken
  return {
    'dt-prod-eu': { kind: 'dynatrace', token: t('dt-prod-eu'), license: 'overage_quota_reached', environments: 4 },
    'dt-prod-us': { kind: 'dynatrace', token: t('dt-prod-us'), license: 'using_overage', environments: 3 },
    'dt-staging': { kind: 'dynatrace', token: t('dt-staging'), license: 'near_quota', environments: 2 },
    'dt-lab': { kind: 'dynatrace', token: t('dt-lab'), license: 'unlimited', missing: ['environment_total'] },
    'dt-legacy': { kind: 'dynatrace', token: t('dt-legacy'), fault: { kind: 'status', status: 503, body: '<html><body>503 Service Unavailable</body></html>', contentType: 'text/html' } },
    'dt-dr': { kind: 'dynatrace', token: t('dt-dr'), fault: { kind: 'hang' } },
    'ocp-prod-1': { kind: 'ibm', token: t('ocp-prod-1'), unannotated: 3, peakDay: 45 },
    'ocp-prod-2': { kind: 'ibm', token: t('ocp-prod-2'), auth: 'bearer', products: products(2), peakDay: 75 },
    'ocp-dev': { kind: 'ibm', token: t('ocp-dev'), missing: ['bundled_products'], products: products(1).slice(0, 2) },
  }
}

/** Entitlements per IBM cluster (YAML flow sequences). */
const ENTITLEMENTS: Record<string, string> = {
  'ocp-prod-1': '[{ product: "IBM Cloud Pak for Integration", unit: VIRTUAL_PROCESSOR_CORE, quota: 24 }, { product: "IBM MQ Advanced", product_id: "208423bb063c43288328b1d788745b0c", unit: VIRTUAL_PROCESSOR_CORE, quota: 4 }]',
}

/** Options of the fleet config. */
export interface FleetConfigOptions {
  interval: string
  timeout: string
  staleAfter: string
}

/** Write token files and the exporter config for the fleet under `dir`; returns the config path. */
export function writeFleetConfig (sim: Simulator, clusters: Record<string, Scenario>, dir: string, opts: FleetConfigOptions): string {
  const lines = [
    'global:', `  interval: ${opts.interval}`, `  timeout: ${opts.timeout}`, '  concurrency: 4', `  stale_after: ${opts.staleAfter}`,
    '  entitlements:',
    '    - { product: "IBM API Connect Enterprise", unit: VIRTUAL_PROCESSOR_CORE, quota: 40 }',
    '    - { product: "IBM Cloud Pak for Integration", unit: VIRTUAL_PROCESSOR_CORE, quota: 64 }',
    'clusters:',
  ]
  for (const [name, scenario] of Object.entries(clusters)) {
    const file = join(dir, `${name}.token`)
    writeFileSync(file, `${scenario.token}\n`, { mode: 0o600 })
    lines.push(`  - name: ${name}`, `    type: ${scenario.kind === 'ibm' ? 'ibm_license_service' : 'dynatrace_managed'}`,
      `    url: ${sim.baseUrl(name)}`, `    token_file: ${file}`, `    labels: { env: ${name.includes('prod') ? 'prod' : 'nonprod'} }`)
    if (scenario.kind === 'ibm' && scenario.auth === 'bearer') lines.push('    auth: bearer')
    if (ENTITLEMENTS[name] !== undefined) lines.push(`    entitlements: ${ENTITLEMENTS[name]}`)
    if (name.startsWith('ocp-prod-')) lines.push(`    snapshot: { directory: ${join(dir, 'snapshots')}, interval: 24h }`)
  }
  const configFile = join(dir, 'config.yaml')
  writeFileSync(configFile, `${lines.join('\n')}\n`)
  return configFile
}

/** Options of {@link fleetOf}. */
export interface FleetOfOptions {
  latencyMs?: number
  /** A fifth of the clusters fail half of their requests at random. */
  flakyFifth?: boolean
  /** IBM product records per cluster. */
  products?: number
}

/** `n` clusters named c0000..., half Dynatrace Managed, half IBM License Service. */
export function fleetOf (n: number, opts: FleetOfOptions = {}): Record<string, Scenario> {
  const out: Record<string, Scenario> = {}
  const records = Array.from({ length: opts.products ?? 4 }, (_, i) => ({
    name: `IBM Product ${i}`, id: `p${String(i).padStart(31, '0')}`, metricName: i % 2 === 0 ? 'VIRTUAL_PROCESSOR_CORE' : 'PROCESSOR_VALUE_UNIT',
    metricQuantity: 4 + i, metricPeakDate: '2026-11-20',
  }))
  for (let i = 0; i < n; i++) {
    const extra = {
      ...(opts.latencyMs !== undefined && opts.latencyMs > 0 ? { latencyMs: opts.latencyMs } : {}),
      ...(opts.flakyFifth === true && i % 5 === 0 ? { flaky: 0.5 } : {}),
    }
    out[`c${String(i).padStart(4, '0')}`] = i % 2 === 0
      ? { kind: 'dynatrace', token: `load-token-${i}`, license: 'using_overage', ...extra }
      : { kind: 'ibm', token: `load-token-${i}`, unannotated: 1, products: records, ...extra }
  }
  return out
}

/** The exporter config lines for clusters named as {@link fleetOf} names them, at `baseUrl`. */
export function fleetConfig (clusters: Record<string, Scenario>, baseUrl: string, global: string[]): string {
  const lines = ['global:', ...global.map(l => `  ${l}`), 'clusters:']
  for (const [name, s] of Object.entries(clusters)) {
    lines.push(`  - { name: ${name}, type: ${s.kind === 'ibm' ? 'ibm_license_service' : 'dynatrace_managed'}, url: "${baseUrl}/${name}", token: ${s.token}${s.kind === 'ibm' && s.auth === 'bearer' ? ', auth: bearer' : ''} }`)
  }
  return `${lines.join('\n')}\n`
}
