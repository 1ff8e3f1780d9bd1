/** Test helpers: a simulator plus an exporter on loopback, with the log output captured. */
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { Writable } from 'node:stream'
import { startExporter, type RunningExporter } from '../src/exporter.js'
import { EvidenceIndex } from '../src/licensing/index/client.js'
import { createLogger } from '../src/util/logger.js'
import { startSimulator, type Scenario, type Simulator } from './simulator/server.js'

/** What tap's `t` offers that the helpers use. */
export interface Teardown { teardown (fn: () => unknown): void }

const SUITE_LOG_DIR = process.env.LICENSE_EXPORTER_TEST_LOG_DIR

/**
 * Keep output for the suite-wide secrets check (scripts/check-test-logs.ts): with
 * LICENSE_EXPORTER_TEST_LOG_DIR set (as `npm test` does), log text goes to `<dir>/<pid>.log`.
 */
export function recordSuiteLog (text: string): void {
  if (SUITE_LOG_DIR !== undefined && text !== '') appendFileSync(join(SUITE_LOG_DIR, `${process.pid}.log`), text.endsWith('\n') ? text : `${text}\n`)
}

/** Captured log lines (JSON text); also recorded for the suite-wide secrets check. */
export class LogCapture extends Writable {
  readonly lines: string[] = []
  override _write (chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const text = chunk.toString('utf8')
    this.lines.push(...text.split('\n').filter(l => l !== ''))
    recordSuiteLog(text)
    done()
  }

  get text (): string { return this.lines.join('\n') }
}

const created = new Set<string>()
/** Remove every directory {@link tempDir} made that is still there. */
function removeCreated (): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true })
  created.clear()
}
// Tests remove what they create: every directory made here goes when the test process exits, also when it
// is ended by a signal (tap's timeout sends SIGTERM; Ctrl-C sends SIGINT), where 'exit' handlers do not run.
process.once('exit', removeCreated)
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  const onSignal = (): void => {
    removeCreated()
    process.removeListener(signal, onSignal)
    // Deliver the signal again without this handler: other handlers (tap's) or the default action end the process.
    process.kill(process.pid, signal)
  }
  process.on(signal, onSignal)
}

/**
 * A temporary directory, removed at the end of the test `t` when given, else when the test process exits
 * or is ended by a signal (or earlier by the test).
 */
export function tempDir (prefix = 'license-exporter-test-', t?: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  created.add(dir)
  t?.teardown(() => { rmSync(dir, { recursive: true, force: true }); created.delete(dir) })
  return dir
}

/** Wait until `check` returns a truthy value (polling every 20 ms), or fail after `timeoutMs`. */
export async function waitFor<T> (check: () => T | Promise<T>, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = await check()
    if (v !== undefined && v !== null && v !== false) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

/** A cluster entry for a config built by {@link startStack}. */
export interface StackCluster {
  scenario: Scenario
  /** Extra YAML lines for the cluster entry (indented by the helper). */
  extra?: string[]
  /** How the token is given: a file (default), inline, or none. */
  tokenAs?: 'file' | 'inline' | 'none'
}

/** A simulator and an exporter polling it. */
export interface Stack {
  sim: Simulator
  exporter: RunningExporter
  logs: LogCapture
  configFile: string
  dir: string
  /** GET an exporter path via app.inject. */
  get (path: string, headers?: Record<string, string>): Promise<{ status: number, body: string, headers: Record<string, unknown> }>
  /** Wait until every cluster was polled once. */
  ready (timeoutMs?: number): Promise<void>
}

/** Write a config for `clusters` against `sim`. */
export function writeConfig (dir: string, sim: Simulator, clusters: Record<string, StackCluster>, globalLines: string[] = []): string {
  const global = new Map([['interval', '1h'], ['timeout', '2s']])
  for (const l of globalLines) {
    const [k, ...v] = l.split(':')
    global.set(k!.trim(), v.join(':').trim())
  }
  const lines = ['global:', ...[...global].map(([k, v]) => `  ${k}: ${v}`), 'clusters:']
  for (const [name, c] of Object.entries(clusters)) {
    const type = c.scenario.kind === 'ibm' ? 'ibm_license_service' : 'dynatrace_managed'
    lines.push(`  - name: ${name}`, `    type: ${type}`, `    url: ${sim.baseUrl(name)}`)
    if (c.scenario.kind === 'ibm' && c.scenario.auth === 'bearer') lines.push('    auth: bearer')
    const tokenAs = c.tokenAs ?? 'file'
    if (tokenAs === 'file') {
      const file = join(dir, `${name}.token`)
      writeFileSync(file, `${c.scenario.token}\n`)
      lines.push(`    token_file: ${file}`)
    } else if (tokenAs === 'inline') {
      lines.push(`    token: "${c.scenario.token}"`)
    }
    for (const l of c.extra ?? []) lines.push(`    ${l}`)
  }
  const file = join(dir, 'config.yaml')
  writeFileSync(file, `${lines.join('\n')}\n`)
  return file
}

/** Start a simulator with `clusters` and an exporter polling them. Both stop at teardown. */
export async function startStack (t: Teardown, clusters: Record<string, StackCluster>, opts: { global?: string[], level?: string } = {}): Promise<Stack> {
  const sim = await startSimulator(Object.fromEntries(Object.entries(clusters).map(([n, c]) => [n, c.scenario])))
  const dir = tempDir()
  const configFile = writeConfig(dir, sim, clusters, opts.global)
  const logs = new LogCapture()
  const exporter = await startExporter({
    configFile, host: '127.0.0.1', port: 0, enableLifecycle: true, staleCheckMs: 50,
    logger: createLogger(opts.level ?? 'debug', logs),
  })
  t.teardown(async () => { await exporter.close(); await sim.close(); rmSync(dir, { recursive: true, force: true }) })
  return {
    sim, exporter, logs, configFile, dir,
    async get (path, headers = {}) {
      // The exporter renders on a throttle; tests that just saw a store change want it rendered now.
      if (path.startsWith('/metrics')) await exporter.clusterMetrics.refresh()
      const res = await exporter.app.inject({ method: 'GET', url: path, headers })
      return { status: res.statusCode, body: res.body, headers: res.headers }
    },
    async ready (timeoutMs = 10_000) {
      await waitFor(() => exporter.store.allPolled(), timeoutMs, 'first poll round')
      await exporter.clusterMetrics.refresh()
    },
  }
}

/** The value of a series in a text exposition, matched by name and a label subset; undefined if absent. */
export function seriesValue (exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return undefined
}

/** An evidence index (in memory unless `location` is given, worker thread and all), closed at the end of `t`. */
export function testIndex (t: Teardown, location = ':memory:', logger = createLogger('silent')): EvidenceIndex {
  const index = new EvidenceIndex({ location, log: logger })
  t.teardown(() => index.close())
  return index
}

/** A TCP port that was free a moment ago (for processes that need one on their command line). */
export async function freePort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>(resolve => srv.close(() => resolve()))
  return port
}
