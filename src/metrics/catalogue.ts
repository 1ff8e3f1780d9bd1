/**
 * The metric catalogue: every per-cluster metric the exporter serves, with its HELP text and the labels a
 * source sets (besides `cluster`, `source` and the static labels, which every per-cluster series has).
 * Names are the metric contract (shared/docs/metrics.md): dashboards and alerts depend on them.
 */

const POLLED = 'Polled in the background, not at scrape time; see license_cluster_last_success_timestamp_seconds.'
const USAGE_LABELS = ['product', 'product_id', 'unit'] as const

/** Labels the exposition puts on every per-cluster series, before the static labels and the sample's own. */
export const BASE_LABELS = ['cluster', 'source'] as const

/** Definition of one metric. */
export interface MetricDef {
  readonly help: string
  readonly type: 'gauge' | 'counter'
  readonly labels: readonly string[]
  /** Collection-health metrics stay when license values go stale. */
  readonly health?: boolean
}

/** All per-cluster metrics. */
export const CATALOGUE = {
  license_usage: { type: 'gauge', labels: USAGE_LABELS, help: `License units in use (Dynatrace: current usage; IBM: peak in the reporting window). ${POLLED}` },
  license_quota: { type: 'gauge', labels: USAGE_LABELS, help: `License quota (Dynatrace: licensed quota; IBM: configured entitlement). Absent when unlimited or unknown. ${POLLED}` },
  license_remaining: { type: 'gauge', labels: USAGE_LABELS, help: `License units left before the quota is reached. ${POLLED}` },
  license_usage_ratio: { type: 'gauge', labels: USAGE_LABELS, help: `Usage as a fraction of the quota (1 = quota used up). ${POLLED}` },
  license_usage_status: { type: 'gauge', labels: [...USAGE_LABELS, 'status'], help: `Dynatrace usage status as a state set: 1 for the current status, 0 for the other known ones. ${POLLED}` },
  license_overage_quota: { type: 'gauge', labels: USAGE_LABELS, help: `Dynatrace overage limit; absent when no limit is set. ${POLLED}` },
  license_overage_usage: { type: 'gauge', labels: USAGE_LABELS, help: `Dynatrace overage units used. ${POLLED}` },
  license_overage_remaining: { type: 'gauge', labels: USAGE_LABELS, help: `Dynatrace overage units left before the overage limit. ${POLLED}` },
  license_overage_ratio: { type: 'gauge', labels: USAGE_LABELS, help: `Dynatrace overage used as a fraction of the overage limit. ${POLLED}` },
  license_peak_timestamp_seconds: { type: 'gauge', labels: USAGE_LABELS, help: `IBM: day of the usage peak in the window, as Unix time. ${POLLED}` },
  license_bundled_usage: { type: 'gauge', labels: ['cloudpak_id', 'cloudpak_metric', 'product', 'product_id', 'unit'], help: `IBM: converted usage of a product bundled in a Cloud Pak. ${POLLED}` },
  license_unannotated_pods: { type: 'gauge', labels: [], help: `IBM: pods whose licensing annotations are missing or wrong (their usage is not counted). ${POLLED}` },
  license_environment_usage: { type: 'gauge', labels: ['environment', 'unit'], help: `Dynatrace: billed usage of the current contract per environment (UUID) and unit. ${POLLED}` },
  license_cluster_healthy: { type: 'gauge', labels: [], help: `1 when the vendor service reports itself healthy (Dynatrace /rest/health RUNNING; IBM /version answers), else 0. ${POLLED}` },
  license_info: { type: 'gauge', labels: ['license_name', 'license_type', 'license_status', 'account', 'version'], help: `License metadata; always 1. ${POLLED}` },
  license_expiry_timestamp_seconds: { type: 'gauge', labels: [], help: `License expiry as Unix time. ${POLLED}` },
  license_billing_timestamp_seconds: { type: 'gauge', labels: [], help: `Last refresh of the vendor's billing data as Unix time. ${POLLED}` },
  license_cluster_endpoint_up: { type: 'gauge', labels: ['endpoint'], help: `1 if the API endpoint answered usably in the last successful poll, else 0. ${POLLED}` },
  license_snapshot_last_success_timestamp_seconds: { type: 'gauge', labels: [], health: true, help: 'IBM: when the last audit snapshot was archived, as Unix time.' },
  license_snapshot_size_bytes: { type: 'gauge', labels: [], health: true, help: 'IBM: size of the newest archived audit snapshot.' },
  license_snapshot_enabled: { type: 'gauge', labels: [], health: true, help: 'IBM: 1 when the cluster archives audit snapshots (snapshot: in its config).' },
  license_snapshot_last_attempt_timestamp_seconds: { type: 'gauge', labels: [], health: true, help: 'IBM: when the last audit snapshot download ended, successful or not, as Unix time.' },
  license_snapshot_failures_total: { type: 'counter', labels: ['reason'], health: true, help: 'IBM: failed audit snapshot downloads and uploads since the exporter started, by reason.' },
  license_snapshot_archives: { type: 'gauge', labels: [], health: true, help: 'IBM: audit snapshot archives kept for the cluster.' },
  license_snapshot_spooled: { type: 'gauge', labels: [], health: true, help: 'IBM, bucket vaults: downloaded audit snapshots waiting in the local spool because the bucket could not take them yet.' },
  license_snapshot_refused_archives: { type: 'gauge', labels: ['reason'], health: true, help: 'IBM: files in the cluster\'s vault folder that are not used as evidence, by reason (damaged zip, dated after the clock, symbolic link, bad name, ...); 0 once a reason is gone.' },
  license_snapshot_uncovered_seconds: { type: 'gauge', labels: [], health: true, help: 'IBM: time of the current quarter so far that no archived snapshot covers with daily data (whole days, in seconds).' },
  license_cluster_up: { type: 'gauge', labels: [], health: true, help: '1 if the last poll of the cluster succeeded, else 0.' },
  license_cluster_poll_duration_seconds: { type: 'gauge', labels: [], health: true, help: 'Duration of the last poll of the cluster.' },
  license_cluster_last_success_timestamp_seconds: { type: 'gauge', labels: [], health: true, help: 'End of the last successful poll of the cluster, as Unix time.' },
  license_cluster_stale_after_seconds: { type: 'gauge', labels: [], health: true, help: 'Configured stale_after of the cluster: its license values are removed this long after its last success.' },
  license_cluster_poll_errors_total: { type: 'counter', labels: ['reason'], health: true, help: 'Failed polls of the cluster, by reason.' },
  license_ibm_multicluster_peak: { type: 'gauge', labels: USAGE_LABELS, help: 'IBM: quarter to date, the highest daily sum of a product\'s usage over all IBM clusters (IBM\'s multicluster figure, from the archived snapshots); cluster="_all".' },
  license_ibm_multicluster_peak_timestamp_seconds: { type: 'gauge', labels: USAGE_LABELS, help: 'IBM: the day of license_ibm_multicluster_peak, as Unix time; cluster="_all".' },
  license_ibm_multicluster_peak_ratio: { type: 'gauge', labels: USAGE_LABELS, help: 'IBM: license_ibm_multicluster_peak as a fraction of the global entitlement (+Inf for usage against 0); cluster="_all".' },
  license_ibm_multicluster_sum_of_cluster_peaks: { type: 'gauge', labels: USAGE_LABELS, help: 'IBM: quarter to date, the sum of each cluster\'s own peak: an upper bound of license_ibm_multicluster_peak; cluster="_all".' },
  license_ibm_multicluster_complete: { type: 'gauge', labels: [], help: 'IBM: 1 when every IBM cluster has daily data for every day of the quarter so far, else 0 (the peak may understate); cluster="_all".' },
} as const satisfies Record<string, MetricDef>

/** Name of a catalogued metric. */
export type MetricName = keyof typeof CATALOGUE

/** The known Dynatrace `usageStatus` values (a state set always has all of them). */
export const USAGE_STATES = ['USING_QUOTA', 'USING_OVERAGE', 'QUOTA_REACHED', 'OVERAGE_QUOTA_REACHED'] as const
