/**
 * A generated evidence vault for `npm run bench:evidence`, and its known answer. Cluster `c` has one archive
 * per day; the archive taken on day T holds a `products_daily` CSV of the `days` days up to T for `products`
 * products. A day's value is the same in every archive except the archive of that very day, which holds a
 * partial value (half): "newest archive wins" then gives the full value for every day but the last.
 *
 * Run as a worker thread (`workerData`: a {@link VaultJob}) it writes its share of the clusters.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parentPort, workerData } from 'node:worker_threads'
import { archiveName } from '../src/archive/vault.js'
import { makeZip } from '../test/simulator/zip.js'

const DAY_MS = 86_400_000

/** The shape of a vault. */
export interface VaultShape {
  clusters: number
  archives: number
  days: number
  products: number
  /** The day number (days since 1970) of the newest archive. */
  lastDay: number
}

/** What one generator worker writes. */
export interface VaultJob { dir: string, shape: VaultShape, from: number, to: number }

/** Name of cluster `c`. */
export const clusterName = (c: number): string => `c${String(c).padStart(3, '0')}`

/** Product `p`: name, id, metric. */
export function product (p: number): { name: string, id: string, metric: string } {
  return { name: `IBM Product ${p}`, id: (((p + 1) * 2654435761) >>> 0).toString(16).padStart(32, '0'), metric: p % 3 === 0 ? 'PROCESSOR_VALUE_UNIT' : 'VIRTUAL_PROCESSOR_CORE' }
}

/** The full value of product `p` on cluster `c` on day `d`. */
export function value (c: number, p: number, d: number): number {
  return ((c * 7 + p * 13 + d * 31) % 97) + 1 + (p % 3 === 0 ? 100 : 0)
}

/** The value the archive taken on day `taken` holds for day `d`. */
export function held (c: number, p: number, d: number, taken: number): number {
  return d === taken ? Math.floor(value(c, p, d) / 2) : value(c, p, d)
}

/** The CSV of cluster `c`'s archive taken on day `taken`. */
export function dailyCsv (c: number, taken: number, shape: VaultShape): string {
  const lines = ['name,id,metricName,metricQuantityDate,metricQuantity,clusterId']
  for (let d = taken - shape.days + 1; d <= taken; d++) {
    const date = new Date(d * DAY_MS).toISOString().slice(0, 10)
    for (let p = 0; p < shape.products; p++) {
      const pr = product(p)
      lines.push(`${pr.name},${pr.id},${pr.metric},${date},${held(c, p, d, taken)},${clusterName(c)}`)
    }
  }
  return `${lines.join('\r\n')}\r\n`
}

/** Write clusters `from..to-1` of a vault. */
export function writeClusters (job: VaultJob): void {
  const { dir, shape } = job
  for (let c = job.from; c < job.to; c++) {
    const folder = join(dir, clusterName(c))
    mkdirSync(folder, { recursive: true })
    for (let a = 0; a < shape.archives; a++) {
      const taken = shape.lastDay - a
      const file = join(folder, archiveName(taken * DAY_MS + 3_600_000))
      if (existsSync(file)) continue
      const csv = dailyCsv(c, taken, shape)
      const from = new Date((taken - shape.days + 1) * DAY_MS).toISOString().slice(0, 10)
      const to = new Date(taken * DAY_MS).toISOString().slice(0, 10)
      writeFileSync(file, makeZip({
        'data_condition.txt': `License Service version: 4.2.9\ncluster: ${clusterName(c)}\nperiod: ${from} - ${to}\n`,
        [`products_daily_${from}_${to}_${clusterName(c)}.csv`]: csv,
        'checksum.txt': 'bench\n',
      }, { deflate: true }))
    }
  }
}

/** The known answer: per product, the highest daily sum over all clusters between two days, and its day. */
export function knownPeaks (shape: VaultShape, fromDay: number, toDay: number): Map<string, { peak: number, day: number }> {
  const out = new Map<string, { peak: number, day: number }>()
  const first = shape.lastDay - shape.archives + 1 - shape.days + 1
  for (let p = 0; p < shape.products; p++) {
    let best = { peak: -1, day: -1 }
    for (let d = Math.max(fromDay, first); d <= toDay && d <= shape.lastDay; d++) {
      let sum = 0
      // The newest archive covering day d is taken on min(d + days - 1, lastDay).
      for (let c = 0; c < shape.clusters; c++) sum += held(c, p, d, Math.min(d + shape.days - 1, shape.lastDay))
      if (sum > best.peak) best = { peak: sum, day: d }
    }
    out.set(product(p).name + '\0' + product(p).metric, best)
  }
  return out
}

if (parentPort !== null && workerData !== undefined && workerData !== null) {
  writeClusters(workerData as VaultJob)
  parentPort.postMessage('done')
}
