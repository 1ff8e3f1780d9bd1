/**
 * A report's data from the index, for the window only: per cluster its covered days, unreadable usage and
 * rows between the window's first and last day (primary-key range scans), fed one cluster at a time to the
 * {@link ReportBuilder}. The cost follows the window's rows, never the archives on disk. Also what the report
 * says of the evidence: archives refused or quarantined, rows refused, files that are not archives, clusters
 * counted twice (one cluster id in two configured clusters' snapshots).
 */
import type { StatementSync } from 'node:sqlite'
import type { Entitlement } from '../../sources/entitlements.js'
import type { CurrentPeak } from '../merge.js'
import type { MulticlusterReport } from '../multicluster.js'
import { dayNumber, type ReportWindow } from '../period.js'
import { ReportBuilder } from '../report-builder.js'
import type { IndexEngine, OrphanFolder } from './engine.js'

/** A cluster of a report. */
export interface QueryCluster {
  name: string
  /** Its vault's id (the directory, or `s3://bucket/prefix`); undefined when it keeps no archives. */
  vault: string | undefined
  current: readonly CurrentPeak[]
}

/** What a report asks the index. */
export interface ReportQuery {
  window: ReportWindow
  clusters: readonly QueryCluster[]
  entitlements: readonly Entitlement[]
}

/** Something in the vault that a person should look at. */
export interface EvidenceProblem {
  cluster: string
  file: string
  reason: string
  message: string
}

/** The index's answer. */
export interface IndexReport {
  report: MulticlusterReport
  problems: EvidenceProblem[]
  /** Archives not read yet: the figures may change once they are. */
  pending: number
  orphans: OrphanFolder[]
}

/** Most problems listed in one report (the rest are counted). */
const MAX_PROBLEMS = 1000

/** Compute a report from the index. Synchronous: run it as a task of the engine's queue. */
export function queryReport (engine: IndexEngine, q: ReportQuery): IndexReport {
  const store = engine.store
  const from = dayNumber(q.window.from)
  const to = dayNumber(q.window.to)
  const n = to - from + 1
  const db = store.db
  const arrays = (sql: string): StatementSync => { const s = db.prepare(sql); s.setReturnArrays(true); return s }
  const coveredQ = arrays('SELECT day FROM days WHERE cluster = ? AND day BETWEEN ? AND ?')
  const unknownQ = arrays('SELECT day, product FROM unknown WHERE cluster = ? AND day BETWEEN ? AND ?')
  const usageQ = arrays('SELECT day, product, micro FROM usage WHERE cluster = ? AND day BETWEEN ? AND ?')
  const valueQ = arrays('SELECT micro FROM usage WHERE cluster = ? AND day = ? AND product = ?')
  const problems: EvidenceProblem[] = []
  const ids = new Map<string, number>()
  const skipped = duplicates(engine, q, problems)

  const builder = new ReportBuilder(q.window, raw => store.identity(raw))
  for (const c of q.clusters) {
    if (skipped.has(c.name)) continue
    const id = c.vault === undefined ? undefined : store.clusterId(c.vault, c.name, false)
    const covered = new Uint8Array(n)
    const unknown = new Map<number, Set<number>>()
    let rows: ReadonlyArray<readonly [number, number, number]> = []
    if (id !== undefined) {
      ids.set(c.name, id)
      for (const [d] of coveredQ.all(id, from, to) as unknown as Array<[number]>) covered[d - from] = 1
      for (const [d, p] of unknownQ.all(id, from, to) as unknown as Array<[number, number]>) {
        let s = unknown.get(d - from)
        if (s === undefined) unknown.set(d - from, (s = new Set()))
        s.add(p)
      }
      rows = usageQ.all(id, from, to) as unknown as Array<[number, number, number]>
    }
    if (c.vault !== undefined) problems.push(...clusterProblems(engine, c.name, c.vault, id, from))
    builder.add({ cluster: c.name, covered, unknown, rows, dayOffset: from, scale: 1e-6, current: c.current })
  }
  const report = builder.finish(q.entitlements, (cluster, raws, d) => {
    const id = ids.get(cluster)
    if (id === undefined) return 0
    return raws.reduce((s, raw) => s + ((valueQ.get(id, d + from, raw) as unknown as [number] | undefined)?.[0] ?? 0) / 1e6, 0)
  }, engine.pending)
  const shown = problems.slice(0, MAX_PROBLEMS)
  if (problems.length > MAX_PROBLEMS) shown.push({ cluster: '', file: '', reason: 'truncated', message: `${problems.length - MAX_PROBLEMS} more problem(s) not listed` })
  return { report, problems: shown, pending: engine.pending, orphans: engine.orphans }
}

/** Problems of one cluster's folder that matter for a window starting on day `from`. */
function clusterProblems (engine: IndexEngine, cluster: string, vault: string, id: number | undefined, from: number): EvidenceProblem[] {
  const out: EvidenceProblem[] = []
  const k = `${vault}\0${cluster}`
  const listError = engine.listErrors.get(k)
  if (listError !== undefined) out.push({ cluster, file: `${vault}/${cluster}`, reason: listError.reason, message: listError.message })
  for (const f of engine.refusedFiles.get(k) ?? []) out.push({ cluster, file: f.name, reason: f.reason, message: f.message })
  if (id === undefined) return out
  for (const a of engine.store.flawedArchives(id)) {
    if (a.state !== 'good') {
      if (a.taken_ms >= from * 86_400_000 || a.state === 'quarantined') out.push({ cluster, file: a.name, reason: a.reason ?? a.state, message: a.message ?? '' })
      continue
    }
    const refused = JSON.parse(a.rows_refused) as Record<string, number>
    if ((engine.store.lastWonDay(a.id) ?? -1) < from) continue
    if ((refused.unreadable ?? 0) > 0) out.push({ cluster, file: a.name, reason: 'unreadable_rows', message: `${refused.unreadable} row(s) of products_daily could not be read (counted on the days this archive is the source of): their products and days are unknown, not 0` })
    if ((refused.after_snapshot ?? 0) > 0) out.push({ cluster, file: a.name, reason: 'rows_after_snapshot', message: `${refused.after_snapshot} row(s) dated after the snapshot was taken were not used` })
    if ((refused.too_old ?? 0) > 0) out.push({ cluster, file: a.name, reason: 'rows_too_old', message: `${refused.too_old} row(s) dated more than three years before the snapshot were not used` })
  }
  return out
}

/**
 * Configured clusters whose snapshots carry one cluster id: the same IBM cluster configured twice. It is
 * counted once (the first in the config); the others are left out and reported.
 */
function duplicates (engine: IndexEngine, q: ReportQuery, problems: EvidenceProblem[]): Set<string> {
  const byId = new Map<string, string>()
  const skipped = new Set<string>()
  const stmt = engine.store.db.prepare("SELECT DISTINCT cluster_id FROM archives WHERE cluster = ? AND state = 'good' AND cluster_id IS NOT NULL")
  for (const c of q.clusters) {
    const id = c.vault === undefined ? undefined : engine.store.clusterId(c.vault, c.name, false)
    if (id === undefined) continue
    for (const { cluster_id: cid } of stmt.all(id) as Array<{ cluster_id: string }>) {
      const first = byId.get(cid)
      if (first === undefined) { byId.set(cid, c.name); continue }
      if (first === c.name || skipped.has(c.name)) continue
      skipped.add(c.name)
      problems.push({ cluster: c.name, file: '', reason: 'duplicate_cluster', message: `the snapshots of ${c.name} and ${first} are of the same IBM cluster (${cid}): it is configured twice; counted once, as ${first}. Remove one of the two entries.` })
    }
  }
  return skipped
}
