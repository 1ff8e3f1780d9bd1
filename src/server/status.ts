/** The public view of cluster states, shared by `/api/v1/clusters` and the landing page. No secrets here. */
import type { ClusterState } from '../polling/store.js'
import { isoOrNull } from '../util/time.js'

/** One cluster as the API shows it. */
export interface ClusterView {
  name: string
  source: string
  labels: Readonly<Record<string, string>>
  /** `null` until the first poll has ended. */
  up: boolean | null
  last_success: string | null
  last_poll_duration_seconds: number | null
  last_error: { reason: string, message: string, at: string } | null
  /** Optional parts that failed in the last successful poll. */
  part_failures: Array<{ part: string, reason: string, message: string }>
  errors_total: Record<string, number>
  /** Series currently exported from the last successful poll (0 once stale). */
  series: number
  retry_at: string | null
}

/** Build the view of one cluster. */
export function clusterView (st: ClusterState): ClusterView {
  return {
    name: st.id.name,
    source: st.id.type,
    labels: st.id.labels,
    up: st.up ?? null,
    last_success: isoOrNull(st.lastSuccessMs),
    last_poll_duration_seconds: st.lastDurationMs === undefined ? null : st.lastDurationMs / 1000,
    last_error: st.lastError === undefined ? null : { reason: st.lastError.reason, message: st.lastError.message, at: new Date(st.lastError.atMs).toISOString() },
    part_failures: st.partFailures.map(p => ({ ...p })),
    errors_total: Object.fromEntries(Object.entries(st.errors).filter(([, n]) => n > 0)),
    series: st.samples.length,
    retry_at: isoOrNull(st.retryAtMs),
  }
}
