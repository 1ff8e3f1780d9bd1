import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { recordSuiteLog, seriesValue, waitFor } from './helpers.js'

const ROOT = join(import.meta.dirname, '..')

t.test('npm run demo: the README quick start shows what issue #2 promises', async t => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'demo.ts')], {
    cwd: ROOT, env: { ...process.env, DEMO_PORT: '0', DEMO_SIM_PORT: '0' },
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  t.teardown(async () => { if (child.exitCode === null) { child.kill('SIGTERM'); await exited } })

  const url = await waitFor(() => /metrics:\s+(http:\S+)\/metrics/.exec(out)?.[1], 20_000, 'demo to print its URLs')
  await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 15_000, 'demo ready')
  const m = await (await fetch(`${url}/metrics`)).text()
  for (const name of ['license_usage', 'license_quota', 'license_usage_ratio', 'license_overage_usage', 'license_overage_ratio', 'license_info', 'license_expiry_timestamp_seconds']) {
    t.ok(seriesValue(m, name) !== undefined, `${name} present`)
  }
  t.equal(seriesValue(m, 'license_usage_status', { cluster: 'dt-prod-eu', status: 'OVERAGE_QUOTA_REACHED', unit: 'ddu' }), 1)
  t.equal(seriesValue(m, 'license_usage_status', { cluster: 'dt-prod-us', status: 'USING_OVERAGE', unit: 'host' }), 1)
  t.equal(seriesValue(m, 'license_cluster_up', { cluster: 'dt-legacy' }), 0)
  t.equal(seriesValue(m, 'license_cluster_poll_errors_total', { cluster: 'dt-legacy', reason: 'http_5xx' }), 1)
  t.equal(seriesValue(m, 'license_cluster_poll_errors_total', { cluster: 'dt-dr', reason: 'timeout' }), 1)
  // IBM: usage for several products and units on at least two clusters, unannotated pods, entitlements.
  for (const cluster of ['ocp-prod-1', 'ocp-prod-2']) {
    const units = new Set(m.split('\n').filter(l => l.startsWith('license_usage{') && l.includes(`cluster="${cluster}"`)).map(l => /unit="([^"]+)"/.exec(l)?.[1]))
    t.ok(units.size >= 2, `${cluster}: usage in ${units.size} units`)
  }
  t.equal(seriesValue(m, 'license_unannotated_pods', { cluster: 'ocp-prod-1' }), 3)
  t.equal(seriesValue(m, 'license_quota', { cluster: 'ocp-prod-1', product: 'IBM Cloud Pak for Integration' }), 24)
  t.equal(seriesValue(m, 'license_usage_ratio', { cluster: '_all', product: 'IBM API Connect Enterprise', unit: 'VIRTUAL_PROCESSOR_CORE' }), (8 + 16 + 8) / 40)
  await waitFor(async () => seriesValue(await (await fetch(`${url}/metrics`)).text(), 'license_snapshot_size_bytes', { cluster: 'ocp-prod-1' }), 5000, 'snapshot archived')
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: m, encoding: 'utf8' })
  if (lint.error === undefined) t.equal(lint.status, 0, `promtool check metrics: ${lint.stdout}${lint.stderr}`)
  else if (process.env.CI === 'true') t.fail('promtool is missing in CI')
  child.kill('SIGINT')
  t.equal(await exited, 0, 'demo exits 0 on Ctrl-C')
  recordSuiteLog(out)
})
