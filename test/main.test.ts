import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { parseListenAddress } from '../src/main.js'
import { startSimulator } from './simulator/server.js'
import { recordSuiteLog, tempDir, waitFor } from './helpers.js'

const ROOT = join(import.meta.dirname, '..')
const MAIN = join(ROOT, 'src', 'main.ts')
/** Run the CLI without blocking this process (which may host the simulator the CLI talks to). */
function runAsync (args: string[]): Promise<{ status: number | null, stdout: string, stderr: string }> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    child.on('close', status => { recordSuiteLog(stdout + stderr); resolve({ status, stdout, stderr }) })
  })
}
const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 })

t.test('listen address parsing', async t => {
  t.same(parseListenAddress(':9847'), { host: '0.0.0.0', port: 9847 })
  t.same(parseListenAddress('127.0.0.1:80'), { host: '127.0.0.1', port: 80 })
  t.same(parseListenAddress('[::1]:9847'), { host: '::1', port: 9847 })
  t.equal(parseListenAddress('9847'), undefined)
  t.equal(parseListenAddress(':99999'), undefined)
})

t.test('--check-config: 0 for a valid file, 1 naming the key for a bad one', async t => {
  const dir = tempDir()
  const good = join(dir, 'good.yaml')
  writeFileSync(good, 'clusters:\n  - { name: a, type: dynatrace_managed, url: "https://a.example.com", token: x }\n')
  const ok = run([`--config.file=${good}`, '--check-config'])
  t.equal(ok.status, 0, ok.stderr)
  t.match(ok.stdout, /valid: 1 cluster/)
  const bad = run([`--config.file=${join(ROOT, 'test', 'fixtures', 'config', 'invalid-bad-url.yaml')}`, '--check-config'])
  t.equal(bad.status, 1)
  t.match(bad.stderr, /clusters\[1\]\.url: must be an http/)
})

t.test('starting with a bad config exits non-zero with the key path', async t => {
  const r = run([`--config.file=${join(ROOT, 'test', 'fixtures', 'config', 'invalid-duplicate-name.yaml')}`, '--web.listen-address=127.0.0.1:0'])
  t.equal(r.status, 1)
  t.match(r.stderr, /clusters\[1\]\.name: duplicate cluster name/)
})

t.test('--evidence.primary takes auto, true or false only (not a name an object has, such as constructor)', async t => {
  for (const v of ['maybe', 'constructor', 'toString', '__proto__']) {
    const r = run([`--evidence.primary=${v}`, '--config.file=/nonexistent.yaml'])
    t.equal(r.status, 2, v)
    t.match(r.stderr, new RegExp(`--evidence.primary: expected auto, true or false, got "${v}"`))
  }
})

t.test('unknown flags are refused', async t => {
  const r = run(['--config.fil=x'])
  t.equal(r.status, 2)
  t.match(r.stderr, /Unknown option/)
})

t.test('serves, reloads on SIGHUP, exits 0 on SIGTERM within 5 s', async t => {
  const sim = await startSimulator({ hang: { kind: 'dynatrace', token: 'tok-hang', fault: { kind: 'hang' } } })
  t.teardown(() => sim.close())
  const dir = tempDir()
  const config = join(dir, 'config.yaml')
  writeFileSync(config, `global: { timeout: 30s }\nclusters:\n  - { name: hang, type: dynatrace_managed, url: "${sim.baseUrl('hang')}", token: tok-hang }\n`)
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, `--config.file=${config}`, '--web.listen-address=127.0.0.1:0'], { cwd: ROOT })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const url = await waitFor(() => /"url":"(http:[^"]+)"/.exec(out)?.[1], 20_000, 'exporter to start')
  t.equal((await fetch(`${url}/healthz`)).status, 200)
  writeFileSync(config, 'clusters: []\n')
  child.kill('SIGHUP')
  await waitFor(() => out.includes('config reloaded'), 5000, 'reload log line')
  const started = Date.now()
  const exited = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  child.kill('SIGTERM')
  const code = await exited
  recordSuiteLog(out)
  t.equal(code, 0)
  t.ok(Date.now() - started < 5000, `exited in ${Date.now() - started} ms with a poll in flight`)
})

t.test('a SIGHUP or SIGTERM while the exporter starts is kept and acted on once it has started', async t => {
  const dir = tempDir()
  const config = join(dir, 'config.yaml')
  writeFileSync(config, 'clusters: []\n')
  const start = (): { child: ReturnType<typeof spawn>, out: () => string, exited: Promise<number | null> } => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, `--config.file=${config}`, '--web.listen-address=127.0.0.1:0'], { cwd: ROOT })
    let out = ''
    child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
    return { child, out: () => out, exited: new Promise(resolve => child.on('exit', code => resolve(code))) }
  }
  const hup = start()
  await waitFor(() => hup.out().includes('license-exporter starting'), 20_000, 'the start')
  hup.child.kill('SIGHUP')
  await waitFor(() => hup.out().includes('config reloaded'), 10_000, 'the reload after the start')
  t.equal(hup.child.exitCode, null, 'the SIGHUP did not end the process')
  hup.child.kill('SIGTERM')
  t.equal(await hup.exited, 0)
  const term = start()
  await waitFor(() => term.out().includes('license-exporter starting'), 20_000, 'the start')
  term.child.kill('SIGTERM')
  t.equal(await term.exited, 0, 'a SIGTERM while starting: a clean exit 0, not a death by signal')
  recordSuiteLog(hup.out() + term.out())
})

t.test('--report polls the IBM clusters once and prints the CSV; exit 4 when the period lacks daily data, 3 when a cluster failed to report', async t => {
  const sim = await startSimulator({
    a: { kind: 'ibm', token: 'ibm-report-token-a' },
    b: { kind: 'ibm', token: 'ibm-report-token-b', auth: 'bearer' },
  })
  t.teardown(() => sim.close())
  const dir = tempDir()
  const config = join(dir, 'config.yaml')
  writeFileSync(config, [
    'clusters:',
    `  - { name: a, type: ibm_license_service, url: "${sim.baseUrl('a')}", token: ibm-report-token-a }`,
    `  - { name: b, type: ibm_license_service, url: "${sim.baseUrl('b')}", token: ibm-report-token-b, auth: bearer }`,
  ].join('\n') + '\n')
  const ok = await runAsync([`--config.file=${config}`, '--report'])
  t.equal(ok.status, 4, 'no archives: the quarter has no daily data, exit 4')
  t.match(ok.stderr, /incomplete: no daily data for a \(\d+ day\(s\)\), b/)
  const lines = ok.stdout.trim().split('\r\n')
  t.match(lines[0], /^product,product_id,metric,peak,peak_date,sum_of_cluster_peaks,complete,entitlement,remaining,compliant,from,to,missing,a peak,a peak_date,a on peak_date,b peak,/)
  t.match(ok.stdout, /IBM MQ Advanced,208423bb063c43288328b1d788745b0c,VIRTUAL_PROCESSOR_CORE,,,8,false,/)
  t.notMatch(ok.stdout + ok.stderr, /ibm-report-token/)

  sim.set('b', { kind: 'ibm', token: 'ibm-report-token-b', auth: 'bearer', fault: { kind: 'status', status: 500 } })
  const json = await runAsync([`--config.file=${config}`, '--report', '--report.format=json'])
  t.equal(json.status, 3)
  t.same((JSON.parse(json.stdout) as { not_reporting: string[] }).not_reporting, ['b'])
  t.match(json.stderr, /failed to report: b/)
})

t.test('heap trimming is on when node runs with --expose-gc, as the image runs it, unless --runtime.no-heap-trim; the start line says', async t => {
  const dir = tempDir('license-exporter-test-', t)
  const config = join(dir, 'config.yaml')
  writeFileSync(config, 'clusters: []\n')
  const cases: Array<[string[], string[], boolean]> = [[['--expose-gc'], [], true], [[], [], false], [['--expose-gc'], ['--runtime.no-heap-trim'], false]]
  for (const [nodeFlags, flags, on] of cases) {
    const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', MAIN, `--config.file=${config}`, '--web.listen-address=127.0.0.1:0', ...flags], { cwd: ROOT })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const line = await waitFor(() => out.split('\n').find(l => l.includes('license-exporter started')), 20_000, 'start line')
    const exited = new Promise(resolve => child.on('exit', resolve))
    child.kill('SIGTERM')
    await exited
    recordSuiteLog(out)
    t.equal((JSON.parse(line) as { heapTrim?: boolean }).heapTrim, on, `node ${[...nodeFlags, 'main', ...flags].join(' ')}: heapTrim ${on}`)
  }
})
