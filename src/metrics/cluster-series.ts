/**
 * One cluster's series as text lines, family by family, in two parts that change at different rates: the
 * license series of its last successful poll, and its collection health. Pure.
 */
import type { ClusterState } from '../polling/store.js'
import { POLL_ERROR_REASONS } from '../sources/errors.js'
import type { MetricName } from './catalogue.js'
import { formatLabels, formatValue } from './format.js'

/**
 * Series by family, as lines ending in newline; the buffers are shared by both formats. A render replaces
 * each buffer by a view of the same bytes in its family's joined buffer, so the text exists once in memory.
 */
export type Families = Map<MetricName, Buffer>

/** One cluster's rendered series, in two parts that change at different rates. */
export interface Chunk {
  /** Identity and samples the first part was rendered from (the store keeps the array while values are unchanged). */
  readonly id: ClusterState['id']
  readonly samplesOf: ClusterState['samples']
  /** License series from the last successful poll: re-rendered only when their values change. */
  readonly samples: Families
  /** The cluster's {@link ClusterState.version} when the second part was rendered. */
  readonly version: number
  /** Collection health (up, duration, errors, ...): re-rendered at every change of the cluster. */
  readonly status: Families
}

/** Label text (without braces) -> value, per family; a later sample with the same labels wins. */
export type SeriesByFamily = Map<MetricName, Map<string, number>>

export function addSeries (series: SeriesByFamily, metric: MetricName, labels: string, value: number): void {
  let family = series.get(metric)
  if (family === undefined) series.set(metric, family = new Map())
  family.set(labels, value)
}

export function toFamilies (series: SeriesByFamily): Map<MetricName, Buffer> {
  const out = new Map<MetricName, Buffer>()
  for (const [metric, family] of series) {
    let lines = ''
    for (const [labels, value] of family) lines += `${metric}${labels === '' ? '' : `{${labels}}`} ${formatValue(value)}\n`
    out.set(metric, Buffer.from(lines))
  }
  return out
}

/** `cluster`, `source` and the static labels of a cluster, as label text. */
function baseLabels (id: ClusterState['id']): string {
  return formatLabels({ cluster: id.name, source: id.type, ...id.labels })
}

function withBase (base: string, labels: Readonly<Record<string, string>>): string {
  const extra = formatLabels(labels)
  return extra === '' ? base : `${base},${extra}`
}

/** Render one cluster, reusing the parts of `old` that did not change. */
export function clusterChunk (st: ClusterState, old: Chunk | undefined): Chunk {
  const base = baseLabels(st.id)
  let samples = old?.samples
  if (old === undefined || old.id !== st.id || old.samplesOf !== st.samples) {
    const series: SeriesByFamily = new Map()
    for (const s of st.samples) addSeries(series, s.metric, withBase(base, s.labels), s.value)
    samples = toFamilies(series)
  }
  const status: SeriesByFamily = new Map()
  for (const s of st.extras.values()) addSeries(status, s.metric, withBase(base, s.labels), s.value)
  addSeries(status, 'license_cluster_stale_after_seconds', base, st.id.staleAfterMs / 1000)
  if (st.up !== undefined) addSeries(status, 'license_cluster_up', base, st.up ? 1 : 0)
  if (st.lastDurationMs !== undefined) addSeries(status, 'license_cluster_poll_duration_seconds', base, st.lastDurationMs / 1000)
  if (st.lastSuccessMs !== undefined) addSeries(status, 'license_cluster_last_success_timestamp_seconds', base, st.lastSuccessMs / 1000)
  for (const reason of POLL_ERROR_REASONS) addSeries(status, 'license_cluster_poll_errors_total', withBase(base, { reason }), st.errors[reason])
  return { id: st.id, samplesOf: st.samples, samples: samples ?? new Map(), version: st.version, status: toFamilies(status) }
}
