import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..')

/** Run a Prometheus tool; `missing` when it is not installed. */
function run (cmd: string, args: string[], cwd = ROOT): { missing: boolean, status: number | null, output: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' })
  return { missing: r.error !== undefined, status: r.status, output: `${cmd} ${args.join(' ')}\n${r.stdout}${r.stderr}` }
}

const CHECKS: Array<[string, string, string[], string?]> = [
  ['promtool check rules', 'promtool', ['check', 'rules', 'config/prometheus/license-alerts.yml']],
  ['promtool test rules (alert unit tests, including cases that must not fire)', 'promtool', ['test', 'rules', 'license-alerts.test.yml'], join(ROOT, 'config', 'prometheus')],
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
