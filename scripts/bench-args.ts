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
