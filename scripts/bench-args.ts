/**
 * The command line of the evidence benchmarks (`bench:evidence`, `bench:bucket`): the vault's shape
 * (`--clusters --archives --days --products`, `--quick` for the CI smoke run), `--vault` (an existing one) and
 * `--help` (prints the script's own doc comment); and the small measures both take.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { VaultShape } from './bench-vault.js'

/** One day in ms. */
export const DAY_MS = 86_400_000

/** Parse the flags; `archives` gives the default archive count per cluster (full and quick). */
export function benchArgs (script: string, archives: { full: number, quick: number }): { vault: string | undefined, quick: boolean, shape: VaultShape, today: number, total: number } {
  const { values } = parseArgs({ options: {
    clusters: { type: 'string' }, archives: { type: 'string' }, days: { type: 'string', default: '90' }, products: { type: 'string', default: '20' },
    vault: { type: 'string' }, quick: { type: 'boolean', default: false }, help: { type: 'boolean', default: false },
  } })
  if (values.help) {
    process.stdout.write(`${(readFileSync(script, 'utf8').split('*/')[0] ?? '').replace(/^\/\*\*\n/, '').replace(/^ \* ?/gm, '')}\n`)
    process.exit(0)
  }
  const today = Math.floor(Date.now() / DAY_MS)
  const shape: VaultShape = {
    clusters: Number(values.clusters ?? (values.quick ? 10 : 100)), archives: Number(values.archives ?? (values.quick ? archives.quick : archives.full)),
    days: Number(values.days), products: Number(values.products), lastDay: today,
  }
  return { vault: values.vault, quick: values.quick, shape, today, total: shape.clusters * shape.archives }
}

/** A figure of `/proc/<pid>/status` in MB (`VmRSS`, `VmHWM`). */
export function procStatus (pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? Number.NaN : Number(m[1]) / 1024
}

/** CPU seconds (user + system) a process used. */
export function cpuSeconds (pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

/** The p-quantile of some numbers. */
export const pct = (xs: number[], p: number): number => xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!

/** A sample's value in an exposition (NaN when absent). */
export const gauge = (text: string, name: string): number => Number(new RegExp(`^${name.replace(/[{}"]/g, m => `\\${m}`)} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN)

export const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

/** A duration as the tables print it. */
export const fmt = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`)

/** What {@link untilIndexed} saw: the time, each scrape's latency, the slowest scrapes, the median RSS. */
export interface Indexed { ms: number, latencies: number[], slowest: string, rssMedian: number }

/**
 * Scrape an exporter's /metrics every 50 ms until `expected` archives have a verdict and none is pending;
 * `check` throws when the exporter died, `progress` is told every 30 s, and after `limitMs` it fails.
 */
export async function untilIndexed (url: string, pid: number, expected: number, opts: { check?: () => void, progress: (done: number, ms: number) => void, limitMs?: number }): Promise<Indexed> {
  const t0 = performance.now()
  const latencies: number[] = []
  const slow: Array<[number, number]> = []
  const rss: number[] = []
  let lastRss = 0
  let lastPrint = t0
  for (;;) {
    opts.check?.()
    const s = performance.now()
    const text = await fetch(`${url}/metrics`).then(res => res.text())
    latencies.push(performance.now() - s)
    if (performance.now() - s > 100) slow.push([Math.round(s - t0), Math.round(performance.now() - s)])
    if (performance.now() - lastRss > 1000) { lastRss = performance.now(); rss.push(procStatus(pid, 'VmRSS')) }
    const done = ['good', 'refused', 'quarantined'].reduce((n, st) => n + gauge(text, `license_evidence_archives{state="${st}"}`), 0)
    const pending = gauge(text, 'license_evidence_archives{state="pending"}')
    if (done >= expected && pending === 0) {
      return { ms: performance.now() - t0, latencies, slowest: slow.slice(0, 8).map(([at, ms]) => `${ms} ms at ${fmt(at)}`).join(', ') || 'none over 100 ms', rssMedian: pct(rss, 0.5) }
    }
    if (performance.now() - t0 > (opts.limitMs ?? Number.POSITIVE_INFINITY)) throw new Error(`the index was not in step after ${fmt(performance.now() - t0)}: ${done} of ${expected} read, ${pending} pending`)
    if (performance.now() - lastPrint > 30_000) { lastPrint = performance.now(); opts.progress(done, performance.now() - t0) }
    await sleep(50)
  }
}
