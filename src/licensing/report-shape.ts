/** The shape of the multicluster report (JSON of `/api/v1/report`); the rules are in multicluster.ts. */

/** One cluster's part in a row. */
export interface ClusterPart {
  cluster: string
  /** Its own peak in the window (or its current `/products` peak, `source: 'products'`). */
  peak: number
  peak_date: string | null
  /** Its usage on the row's `peak_date`; null when it has no readable data for that day (or there is no peak date). */
  on_peak_date: number | null
  source: 'daily' | 'products'
}

/** Days of the window a cluster has no readable data for, as ranges (`2026-01-05`, or `2026-01-01/2026-03-31`). */
export interface MissingDays {
  cluster: string
  days: string[]
}

/** One product and metric over all IBM clusters. */
export interface MulticlusterRow {
  product: string
  product_id: string
  /** License metric (`metricName`; the `unit` label of the metrics). */
  metric: string
  /** Highest daily sum over all clusters in the window; null when no cluster has a day of data in it. */
  peak: number | null
  /** Day of `peak` (the earliest, on a tie). */
  peak_date: string | null
  /** Sum of each cluster's own peak: an upper bound of `peak`. */
  sum_of_cluster_peaks: number
  /** False when some cluster lacks readable daily data for some day of the window: `peak` may understate. */
  complete: boolean
  /** Clusters that lack some day of the window for this product (their gaps: `clusters[].missing`, `.unreadable`). */
  missing_clusters: string[]
  /** Days a cluster lacks for this product only (an unreadable row of it), beyond its gaps for every product. */
  missing: MissingDays[]
  /** Clusters that used the product in the window (or report it in `/products`, as fallback). */
  clusters: ClusterPart[]
  entitlement: number | null
  /** `entitlement - peak`. */
  remaining: number | null
  /** See the rules above; null when it cannot be told. */
  compliant: boolean | null
}

/** A cluster's coverage of the window. */
export interface ClusterCoverage {
  cluster: string
  /** `daily`: some day of the window covered; `products`: none, the current `/products` peaks stand in. */
  source: 'daily' | 'products'
  days_covered: number
  /** Days of the window no archive covers, as ranges (`2026-01-05`, `2026-01-01/2026-03-31`). */
  missing: string[]
  /** Covered days with unreadable rows (some products unknown that day), as ranges. */
  unreadable: string[]
}

/** The multicluster report for a window. */
export interface MulticlusterReport {
  from: string
  to: string
  /** Every cluster has readable daily data for every day of the window. */
  complete: boolean
  clusters: ClusterCoverage[]
  rows: MulticlusterRow[]
}
