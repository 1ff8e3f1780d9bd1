import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parse } from 'yaml'
import { freePort, tempDir, waitFor } from './helpers.js'

const ROOT = join(import.meta.dirname, '..')
const RULES = join(ROOT, 'config', 'prometheus', 'license-alerts.yml')
const RULE_TESTS = ['license-alerts.test.yml', 'license-alerts.slow.test.yml'].map(f => join(ROOT, 'config', 'prometheus', f))
const AM_CONFIG = join(ROOT, 'config', 'alertmanager', 'alertmanager.yml')

/** Run a Prometheus tool; `missing` when it is not installed. */
function run (cmd: string, args: string[], cwd = ROOT): { missing: boolean, status: number | null, output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' })
  return { missing: r.error !== undefined, status: r.status, output: `${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}` }
}

const CHECKS: Array<[string, string, string[], string?]> = [
  ['promtool check rules', 'promtool', ['check', 'rules', 'config/prometheus/license-alerts.yml']],
  ['promtool test rules (alert unit tests, including cases that must not fire)', 'promtool', ['test', 'rules', 'license-alerts.test.yml', 'license-alerts.slow.test.yml'], join(ROOT, 'config', 'prometheus')],
  ['promtool check config on the example Prometheus config', 'promtool', ['check', 'config', 'config/prometheus/prometheus.yml']],
  ['amtool check-config on the example Alertmanager config', 'amtool', ['check-config', 'config/alertmanager/alertmanager.yml']],
]

for (const [name, cmd, args, cwd] of CHECKS) {
  t.test(name, async t => {
    const r = run(cmd, args, cwd)
    if (r.missing && process.env.CI !== 'true') {
      t.comment(`${cmd} not installed: skipped (CI installs it)`)
      return
    }
    t.notOk(r.missing, `${cmd} is installed`)
    t.equal(r.status, 0, r.output)
  })
}

interface RuleFile { groups: Array<{ rules: Array<{ alert?: string, record?: string, labels?: Record<string, string>, annotations?: Record<string, string> }> }> }
interface TestFile { tests: Array<{ alert_rule_test?: Array<{ alertname: string, exp_alerts?: unknown[] }> }> }

t.test('every alert has a severity, a summary and a description, and a firing and a silent promtool case', async t => {
  const rules = (parse(readFileSync(RULES, 'utf8')) as RuleFile).groups.flatMap(g => g.rules).filter(r => r.alert !== undefined)
  const cases = RULE_TESTS.flatMap(f => (parse(readFileSync(f, 'utf8')) as TestFile).tests).flatMap(x => x.alert_rule_test ?? [])
  t.ok(rules.length >= 18, `${rules.length} alerts`)
  for (const r of rules) {
    const name = r.alert ?? ''
    t.match(r.labels?.severity, /^(critical|warning)$/, `${name}: severity`)
    t.ok((r.annotations?.summary ?? '').length > 0 && (r.annotations?.description ?? '').length > 0, `${name}: summary and description`)
    const mine = cases.filter(c => c.alertname === name)
    t.ok(mine.some(c => (c.exp_alerts ?? []).length > 0), `${name}: a case where it fires`)
    t.ok(mine.some(c => (c.exp_alerts ?? []).length === 0), `${name}: a case where it stays silent`)
  }
  const names = new Set(rules.map(r => r.alert))
  for (const c of cases) t.ok(names.has(c.alertname), `the test case for ${c.alertname} names an alert of the rule file`)
})

const haveAm = spawnSync('prometheus-alertmanager', ['--version']).status === 0

interface AmAlert { labels: Record<string, string>, status: { state: string, inhibitedBy: string[] } }

t.test('the example Alertmanager inhibits as documented (a real Alertmanager)', { skip: !haveAm && process.env.CI !== 'true' ? 'prometheus-alertmanager not installed' : false }, async t => {
  t.ok(haveAm, 'prometheus-alertmanager is installed')
  const dir = tempDir('license-exporter-am-')
  const port = await freePort()
  const am = spawn('prometheus-alertmanager', [`--config.file=${AM_CONFIG}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=', '--log.level=error'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  am.stderr.on('data', (d: Buffer) => { log += d.toString() })
  const exited = new Promise(resolve => am.on('exit', resolve))
  t.teardown(async () => { am.kill('SIGTERM'); await exited; rmSync(dir, { recursive: true, force: true }) })
  const api = `http://127.0.0.1:${port}/api/v2`
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => undefined))?.ok, 30_000, `Alertmanager ready (${log})`)

  const dt = { source: 'dynatrace_managed', product: 'dynatrace' } // Prometheus drops the empty product_id
  const ibm = { source: 'ibm_license_service', product: 'IBM Cloud Pak for Integration', product_id: 'c8b8', unit: 'VIRTUAL_PROCESSOR_CORE' }
  const exp = { job: 'license-exporter', instance: 'le-0:9847' }
  // [labels, inhibited?]
  const cases: Array<[Record<string, string>, boolean]> = [
    [{ alertname: 'LicenseQuotaExhausted', severity: 'critical', cluster: 'dt-eu', unit: 'ddu', status: 'OVERAGE_QUOTA_REACHED', ...dt }, false],
    [{ alertname: 'LicenseOverageHigh', severity: 'warning', cluster: 'dt-eu', unit: 'ddu', ...dt }, true],
    [{ alertname: 'LicenseQuotaForecast', severity: 'warning', cluster: 'dt-eu', unit: 'ddu', ...dt }, true],
    [{ alertname: 'LicenseUsageHigh', severity: 'warning', cluster: 'dt-eu', unit: 'host', ...dt }, false],
    [{ alertname: 'LicenseUsageHigh', severity: 'warning', cluster: 'dt-us', unit: 'ddu', ...dt }, false],
    [{ alertname: 'LicenseClusterDown', severity: 'warning', cluster: 'dt-eu', source: 'dynatrace_managed' }, false],
    [{ alertname: 'LicenseIBMMulticlusterPeakExceeded', severity: 'critical', cluster: '_all', metric: ibm.unit, ...ibm }, false],
    [{ alertname: 'LicenseQuotaExceeded', severity: 'critical', cluster: '_all', ...ibm }, true],
    [{ alertname: 'LicenseQuotaExceeded', severity: 'critical', cluster: 'ocp-1', ...ibm }, false],
    [{ alertname: 'LicenseEntitlementForecast', severity: 'warning', cluster: '_all', ...ibm }, true],
    [{ alertname: 'LicenseExpiringCritical', severity: 'critical', cluster: 'dt-x', source: 'dynatrace_managed' }, false],
    [{ alertname: 'LicenseExpiringSoon', severity: 'warning', cluster: 'dt-x', source: 'dynatrace_managed' }, true],
    [{ alertname: 'LicenseExporterDown', severity: 'critical', ...exp }, false],
    [{ alertname: 'LicenseClusterDown', severity: 'warning', cluster: 'c1', source: 'dynatrace_managed', ...exp }, true],
    [{ alertname: 'LicenseSnapshotMissing', severity: 'warning', cluster: 'ocp-1', source: 'ibm_license_service', problem: 'never', ...exp }, true],
    [{ alertname: 'LicenseClusterDown', severity: 'warning', cluster: 'c2', source: 'dynatrace_managed', job: 'license-exporter', instance: 'le-1:9847' }, false],
    [{ alertname: 'LicenseDataStale', severity: 'warning', cluster: 'c2', source: 'dynatrace_managed', job: 'license-exporter', instance: 'le-1:9847' }, true],
  ]
  const post = await fetch(`${api}/alerts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(cases.map(([labels]) => ({ labels, annotations: { summary: 'test' } }))),
  })
  t.equal(post.status, 200, 'alerts accepted')
  const key = (l: Record<string, string>): string => JSON.stringify(Object.entries(l).sort())
  // Inhibition is computed from the alerts the inhibitor has seen; wait until every expected one is in place.
  const got = await waitFor(async () => {
    const alerts = await (await fetch(`${api}/alerts`)).json() as AmAlert[]
    const byKey = new Map(alerts.map(a => [key(a.labels), a]))
    const ok = alerts.length === cases.length && cases.every(([l, inhibited]) => ((byKey.get(key(l))?.status.inhibitedBy.length ?? 0) > 0) === inhibited)
    return ok ? byKey : undefined
  }, 20_000, 'the expected inhibitions').catch(() => undefined)
  t.ok(got, 'Alertmanager reports the expected inhibitions')
  if (got === undefined) {
    const alerts = await (await fetch(`${api}/alerts`)).json() as AmAlert[]
    for (const a of alerts) t.comment(`${a.labels.alertname} ${a.labels.cluster ?? a.labels.instance} ${a.labels.unit ?? ''}: ${a.status.state}`)
    return
  }
  for (const [l, inhibited] of cases) {
    t.equal(got.get(key(l))?.status.state, inhibited ? 'suppressed' : 'active', `${l.alertname} ${l.cluster ?? l.instance} ${l.unit ?? ''}: ${inhibited ? 'inhibited' : 'not inhibited'}`)
  }
})
