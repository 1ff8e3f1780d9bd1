/**
 * The report of a reporting period: IBM's highest multicluster usage from the evidence index (the window's
 * daily data only), with each cluster's current `/products` peak as the fallback where the vault has
 * nothing, and the global entitlements. Also its figures as series (`license_ibm_multicluster_*`,
 * `cluster="_all"`).
 */
import type { ClusterState } from '../polling/store.js'
import type { Entitlement } from '../sources/entitlements.js'
import { usageRatio } from '../sources/entitlements.js'
import type { LabeledSample } from '../sources/types.js'
import type { ReportCluster } from './fleet.js'
import type { OrphanFolder } from './index/engine.js'
import type { EvidenceProblem, IndexReport, ReportQuery } from './index/query.js'
import { currentPeak, multiclusterReport, type MulticlusterReport } from './multicluster.js'
import { dayStartMs, type ReportWindow } from './period.js'
import { ALL_CLUSTERS, IBM_SOURCE, usageOf } from './usage.js'

export type { EvidenceProblem, ReportCluster }

/** What a period report is built from. */
export interface PeriodReportInput {
  window: ReportWindow
  clusters: readonly ReportCluster[]
  /** The clusters' current state; undefined offline (no fallback then). */
  states: ((name: string) => ClusterState | undefined) | undefined
  entitlements: readonly Entitlement[]
  /** The evidence index's answer for a query (`EvidenceIndex.report`). */
  evidence: (query: ReportQuery) => Promise<IndexReport>
  nowMs: number
  /**
   * Ask the index even when no cluster archives (the running exporter): the report is then built in the
   * index's worker thread, never on the thread that serves `/metrics` and `/healthz`.
   */
  offThread?: boolean
}

/** The period report (JSON of `/api/v1/report`). */
export interface PeriodReport extends MulticlusterReport {
  generated_at: string
  /** `live` (with the clusters' current state) or `offline` (archives only). */
  mode: 'live' | 'offline'
  /** IBM clusters this replica polls whose current `/products` data is missing (never answered, or stale); live mode only. */
  not_reporting: string[]
  /** Archives and rows that could not be used, with the reason (they stay on disk as they are). */
  evidence_problems: EvidenceProblem[]
  /** Archives the index has not read yet (the report is then not complete). */
  evidence_pending: number
  /** Folders in the vault of clusters that are not configured (renamed or removed clusters). */
  orphans: OrphanFolder[]
}

/** Build the report of a period. */
export async function periodReport (input: PeriodReportInput): Promise<PeriodReport> {
  const clusters = input.clusters.map(c => {
    const state = c.polled ? input.states?.(c.name) : undefined
    return { name: c.name, vault: c.vault?.id, current: state === undefined ? [] : usageOf(state.samples).map(currentPeak) }
  })
  const query: ReportQuery = { window: input.window, clusters, entitlements: input.entitlements }
  // Without any archiving cluster there is no evidence to read: the fallback alone is computed here.
  const answer: IndexReport = input.offThread === true || clusters.some(c => c.vault !== undefined)
    ? await input.evidence(query)
    : { report: multiclusterReport({ window: input.window, clusters: clusters.map(c => ({ cluster: c.name, daily: new Map(), current: c.current })), entitlements: input.entitlements }), problems: [], pending: 0, orphans: [] }
  const notReporting = input.states === undefined ? [] : input.clusters.filter(c => c.polled && (input.states?.(c.name)?.samples.length ?? 0) === 0).map(c => c.name)
  return {
    generated_at: new Date(input.nowMs).toISOString(),
    mode: input.states === undefined ? 'offline' : 'live',
    ...answer.report,
    not_reporting: notReporting,
    evidence_problems: answer.problems,
    evidence_pending: answer.pending,
    orphans: answer.orphans,
  }
}

/** The report's figures as series with `cluster="_all"` (quarter to date, in the exporter). */
export function multiclusterSamples (report: MulticlusterReport): LabeledSample[] {
  const base = { cluster: ALL_CLUSTERS, source: IBM_SOURCE }
  const out: LabeledSample[] = [{ metric: 'license_ibm_multicluster_complete', labels: base, value: report.complete ? 1 : 0 }]
  for (const r of report.rows) {
    const labels = { ...base, product: r.product, product_id: r.product_id, unit: r.metric }
    out.push({ metric: 'license_ibm_multicluster_sum_of_cluster_peaks', labels, value: r.sum_of_cluster_peaks })
    if (r.peak === null) continue
    out.push({ metric: 'license_ibm_multicluster_peak', labels, value: r.peak })
    if (r.peak_date !== null) out.push({ metric: 'license_ibm_multicluster_peak_timestamp_seconds', labels, value: dayStartMs(r.peak_date) / 1000 })
    if (r.entitlement !== null) out.push({ metric: 'license_ibm_multicluster_peak_ratio', labels, value: usageRatio(r.peak, r.entitlement) })
  }
  return out
}
