/**
 * The report of a reporting period: IBM's highest multicluster usage from the evidence vault's daily data,
 * with each cluster's current `/products` peak as the fallback where the vault has nothing, and the global
 * entitlements. Also its figures as series (`license_ibm_multicluster_*`, `cluster="_all"`).
 */
import type { ClusterState } from '../polling/store.js'
import type { Entitlement } from '../sources/entitlements.js'
import { usageRatio } from '../sources/entitlements.js'
import type { LabeledSample } from '../sources/types.js'
import { dayStartMs, type ReportWindow } from './period.js'
import { currentPeak, multiclusterReport, type MulticlusterReport } from './multicluster.js'
import type { EvidenceProblem, EvidenceReader } from './evidence.js'
import { ALL_CLUSTERS, IBM_SOURCE, usageOf } from './usage.js'

/** An IBM cluster as the report needs it. */
export interface ReportCluster {
  name: string
  /** Its `snapshot.directory`, when it archives snapshots. */
  snapshotDirectory: string | undefined
}

/** What a period report is built from. */
export interface PeriodReportInput {
  window: ReportWindow
  clusters: readonly ReportCluster[]
  /** The clusters' current state; undefined offline (no fallback then). */
  states: ((name: string) => ClusterState | undefined) | undefined
  entitlements: readonly Entitlement[]
  reader: EvidenceReader
  nowMs: number
}

/** The period report (JSON of `/api/v1/report`). */
export interface PeriodReport extends MulticlusterReport {
  generated_at: string
  /** `live` (with the clusters' current state) or `offline` (archives only). */
  mode: 'live' | 'offline'
  /** IBM clusters whose current `/products` data is missing (never answered, or stale); live mode only. */
  not_reporting: string[]
  /** Archives whose daily data could not be read (they stay on disk as they are). */
  evidence_problems: EvidenceProblem[]
}

/** Build the report of a period. */
export async function periodReport (input: PeriodReportInput): Promise<PeriodReport> {
  const problems: EvidenceProblem[] = []
  const clusters = await Promise.all(input.clusters.map(async c => {
    const evidence = c.snapshotDirectory === undefined ? undefined : await input.reader.cluster(c.snapshotDirectory, c.name)
    if (evidence !== undefined) problems.push(...evidence.problems)
    const state = input.states?.(c.name)
    return {
      cluster: c.name,
      daily: evidence?.daily ?? new Map(),
      current: state === undefined ? [] : usageOf(state.samples).map(currentPeak),
    }
  }))
  const report = multiclusterReport({ window: input.window, clusters, entitlements: input.entitlements })
  const notReporting = input.states === undefined ? [] : input.clusters.filter(c => (input.states?.(c.name)?.samples.length ?? 0) === 0).map(c => c.name)
  return {
    generated_at: new Date(input.nowMs).toISOString(),
    mode: input.states === undefined ? 'offline' : 'live',
    ...report,
    not_reporting: notReporting,
    evidence_problems: problems,
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
