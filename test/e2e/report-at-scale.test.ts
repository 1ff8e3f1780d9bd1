/**
 * Reports at fleet scale cannot kill the process: the built-in simulator plays 5,000 IBM clusters, the
 * exporter runs in its own process under `--max-old-space-size=256`, and four three-year reports are asked
 * for at once (JSON and CSV) while `/healthz` is asked every 50 ms. The process stays alive, `/healthz`
 * answers within a second throughout, the reports that are computed are whole (the rest are 429 with
 * Retry-After), and each is a few MB, not the hundreds of MB of one missing-day list per row and cluster.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { PeriodReport } from '../../src/licensing/period-report.js'
import { recordSuiteLog, tempDir, waitFor } from '../helpers.js'
import { startSimulator, type Scenario } from '../simulator/server.js'

const ROOT = join(import.meta.dirname, '..', '..')
const CLUSTERS = 5000
const TOKEN = 'ibm-scale-report-token'

t.test('5,000 clusters, three-year reports four at once, 256 MB of heap: alive, /healthz under 1 s', { timeout: 240_000 }, async t => {
  const names = Array.from({ length: CLUSTERS }, (_, i) => `ocp-${String(i).padStart(4, '0')}`)
  const sim = await startSimulator(Object.fromEntries(names.map(n => [n, { kind: 'ibm', token: TOKEN } satisfies Scenario])))
  t.teardown(() => sim.close())
  const dir = tempDir('license-exporter-test-', t)
  const config = join(dir, 'config.yaml')
  writeFileSync(config, ['global: { interval: 1h, timeout: 20s, concurrency: 128 }', 'clusters:', ...names.map(n => `  - { name: ${n}, type: ibm_license_service, url: "${sim.baseUrl(n)}", token: ${TOKEN} }`)].join('\n') + '\n')
  const child = spawn(process.execPath, ['--max-old-space-size=256', '--import', 'tsx', join(ROOT, 'src', 'main.ts'), `--config.file=${config}`, '--web.listen-address=127.0.0.1:0'], { cwd: ROOT })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  let exitCode: number | null | undefined
  child.on('exit', code => { exitCode = code })
  t.teardown(() => { child.kill('SIGKILL'); recordSuiteLog(out) })
  const started = Date.now()
  const url = await waitFor(() => /"url":"(http:[^"]+)"/.exec(out)?.[1], 60_000, 'the exporter to listen')
  await waitFor(async () => (await fetch(`${url}/readyz`).then(r => r.status, () => 0)) === 200, 180_000, 'every cluster polled once')
  t.comment(`5,000 clusters polled in ${Date.now() - started} ms`)

  let healthMax = 0
  let healthChecks = 0
  const probing = { on: true }
  const probe = (async () => {
    while (probing.on) {
      const t0 = Date.now()
      const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) }).then(r => r.status === 200, () => false)
      healthMax = Math.max(healthMax, ok ? Date.now() - t0 : 5000)
      healthChecks++
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  })()
  const ask = async (q: string): Promise<{ status: number, bytes: number, body: string, ms: number }> => {
    const t0 = Date.now()
    const r = await fetch(`${url}/api/v1/report?${q}`)
    const body = await r.text()
    return { status: r.status, bytes: Buffer.byteLength(body), body, ms: Date.now() - t0 }
  }
  const three = 'from=2024-01-01&to=2026-12-31'
  const answers = await Promise.all([ask(three), ask(`${three}&format=csv`), ask(three), ask(`${three}&format=csv`)])
  probing.on = false
  await probe
  t.equal(exitCode, undefined, 'the exporter is alive')
  t.ok(healthMax < 1000, `/healthz answered within 1 s throughout (max ${healthMax} ms over ${healthChecks} checks)`)
  const done = answers.filter(a => a.status === 200)
  t.ok(done.length >= 2, `${done.length} reports computed, the others 429: ${answers.map(a => a.status).join(', ')}`)
  t.ok(answers.every(a => a.status === 200 || a.status === 429))
  for (const a of done) t.comment(`report: ${(a.bytes / 1024 / 1024).toFixed(1)} MB in ${a.ms} ms`)
  const json = done.find(a => a.body.startsWith('{'))
  if (json !== undefined) {
    const report = JSON.parse(json.body) as PeriodReport
    t.equal(report.clusters.length, CLUSTERS)
    t.ok(report.clusters.every(c => c.missing.length === 1), 'each cluster\'s missing days: one range')
    t.ok(json.bytes < 20 * 1024 * 1024, `the JSON is ${(json.bytes / 1024 / 1024).toFixed(1)} MB`)
  }
  const again = await ask(three)
  t.equal(again.status, 200, 'a report after them is computed')
})
