/**
 * The Grafana dashboards, as code (Grafana foundation SDK). `npm run dashboards` writes them to
 * `grafana/dashboards/*.json`; a test fails when the committed JSON is not what this file builds. Metric names
 * go through {@link m}, typed by the metric catalogue, so a rename cannot leave a dashboard behind.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge'
import type * as cog from '@grafana/grafana-foundation-sdk/cog'
import * as common from '@grafana/grafana-foundation-sdk/common'
import {
  DashboardBuilder, DashboardLinkBuilder, DashboardLinkType, DatasourceVariableBuilder, QueryVariableBuilder,
  ThresholdsConfigBuilder, ThresholdsMode, VariableRefresh, VariableSort, type Dashboard, type Panel,
} from '@grafana/grafana-foundation-sdk/dashboard'
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus'
import * as stat from '@grafana/grafana-foundation-sdk/stat'
import * as table from '@grafana/grafana-foundation-sdk/table'
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries'
import type { MetricName } from '../src/metrics/catalogue.js'

/** A catalogued metric name (compile error if it is not in the catalogue). */
const m = (name: MetricName): string => name

const DS = { type: 'prometheus', uid: '${datasource}' }
const TAG = 'license-exporter'
const SEL = 'cluster=~"$cluster",source=~"$source"'
const IBM = 'source="ibm_license_service"'
const DAY = 86_400

/** One query of a panel. */
interface Query { expr: string, legend?: string, table?: boolean }

/** A panel as data; {@link build} turns it into an SDK builder. */
interface PanelSpec {
  kind: 'stat' | 'timeseries' | 'bargauge' | 'table'
  title: string
  description: string
  queries: Query[]
  unit?: string
  min?: number
  max?: number
  /** [from value (null = base), color]. */
  thresholds?: Array<[number | null, string]>
  w: number
  h: number
}

const GREEN_RED: Array<[number | null, string]> = [[null, 'green'], [1, 'red']]
const RATIO_STEPS: Array<[number | null, string]> = [[null, 'green'], [0.9, 'orange'], [1, 'red']]
const EXPIRY_STEPS: Array<[number | null, string]> = [[null, 'red'], [7 * DAY, 'orange'], [30 * DAY, 'green']]

function target (q: Query, i: number): cog.Builder<cog.Dataquery> {
  const b = new DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(DS)
  if (q.legend !== undefined) b.legendFormat(q.legend)
  if (q.table === true) b.instant().format(PromQueryFormat.Table)
  return b
}

function build (spec: PanelSpec, id: number, x: number, y: number): cog.Builder<Panel> {
  const last = new common.ReduceDataOptionsBuilder().calcs(['lastNotNull'])
  const b = spec.kind === 'stat' ? new stat.PanelBuilder().graphMode(common.BigValueGraphMode.None).reduceOptions(last)
    : spec.kind === 'timeseries' ? new timeseries.PanelBuilder()
      : spec.kind === 'bargauge' ? new bargauge.PanelBuilder().displayMode(common.BarGaugeDisplayMode.Gradient).orientation(common.VizOrientation.Horizontal).reduceOptions(last)
        : new table.PanelBuilder()
  b.id(id).title(spec.title).description(spec.description).datasource(DS).gridPos({ x, y, w: spec.w, h: spec.h })
  spec.queries.forEach((q, i) => b.withTarget(target(q, i)))
  if (spec.unit !== undefined) b.unit(spec.unit)
  if (spec.min !== undefined) b.min(spec.min)
  if (spec.max !== undefined) b.max(spec.max)
  if (spec.thresholds !== undefined) {
    b.thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(spec.thresholds.map(([value, color]) => ({ value, color }))))
  }
  return b
}

function datasourceVar (): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus')
}

function queryVar (name: string, label: string, query: string, multi: boolean): QueryVariableBuilder {
  const v = new QueryVariableBuilder(name).label(label).query(query).datasource(DS)
    .refresh(VariableRefresh.OnTimeRangeChanged).sort(VariableSort.AlphabeticalAsc).multi(multi)
  return multi ? v.includeAll(true).allValue('.*') : v
}

/** Lay panels out left to right, wrapping at 24 columns. */
function dashboard (uid: string, title: string, description: string, vars: Array<DatasourceVariableBuilder | QueryVariableBuilder>, panels: PanelSpec[]): Dashboard {
  const d = new DashboardBuilder(title).uid(uid).description(description).tags([TAG]).refresh('1m')
    .time({ from: 'now-24h', to: 'now' }).timezone('browser')
    .link(new DashboardLinkBuilder('License dashboards').type(DashboardLinkType.Dashboards).tags([TAG]).asDropdown(true).includeVars(true).keepTime(true))
  for (const v of vars) d.withVariable(v)
  let x = 0
  let y = 0
  let rowH = 0
  for (const [i, p] of panels.entries()) {
    if (x + p.w > 24) { x = 0; y += rowH; rowH = 0 }
    d.withPanel(build(p, i + 1, x, y))
    x += p.w
    rowH = Math.max(rowH, p.h)
  }
  return d.build()
}

const errorsByReason = (sel: string): Query => ({
  expr: `sum by (cluster, reason) (increase(${m('license_cluster_poll_errors_total')}{${sel}}[$__rate_interval]))`, legend: '{{cluster}} {{reason}}',
})

/** Overview of all clusters. */
export function overview (): Dashboard {
  return dashboard('license-overview', 'License / Overview', 'License consumption of every cluster: usage against quota, status, overage, expiry and collection health.', [
    datasourceVar(),
    queryVar('source', 'Source', `label_values(${m('license_cluster_up')}, source)`, true),
    queryVar('cluster', 'Cluster', `label_values(${m('license_cluster_up')}{source=~"$source"}, cluster)`, true),
  ], [
    { kind: 'stat', title: 'Clusters collected', description: 'Clusters whose last poll succeeded.', queries: [{ expr: `sum(${m('license_cluster_up')}{${SEL}})` }], w: 4, h: 4 },
    { kind: 'stat', title: 'Clusters down', description: 'Clusters whose last poll failed (see Collection below).', queries: [{ expr: `count(${m('license_cluster_up')}{${SEL}} == 0) or vector(0)` }], thresholds: GREEN_RED, w: 4, h: 4 },
    { kind: 'stat', title: 'Units exhausted', description: 'Units in QUOTA_REACHED or OVERAGE_QUOTA_REACHED: Dynatrace stops monitoring there.', queries: [{ expr: `count(${m('license_usage_status')}{${SEL},status=~"OVERAGE_QUOTA_REACHED|QUOTA_REACHED"} == 1) or vector(0)` }], thresholds: GREEN_RED, w: 4, h: 4 },
    { kind: 'stat', title: 'Units in overage', description: 'Units past their quota, consuming paid overage.', queries: [{ expr: `count(${m('license_usage_status')}{${SEL},status="USING_OVERAGE"} == 1) or vector(0)` }], thresholds: [[null, 'green'], [1, 'orange']], w: 4, h: 4 },
    { kind: 'stat', title: 'Soonest license expiry', description: 'Time left before the first license expires.', queries: [{ expr: `min(${m('license_expiry_timestamp_seconds')}{${SEL}} - time())` }], unit: 's', thresholds: EXPIRY_STEPS, w: 8, h: 4 },
    { kind: 'bargauge', title: 'Usage / quota', description: 'Usage as a fraction of the quota or entitlement, per cluster, product and unit (cluster "_all": the sum over all IBM clusters).', queries: [{ expr: `${m('license_usage_ratio')}{${SEL}}`, legend: '{{cluster}} · {{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 10 },
    { kind: 'table', title: 'Usage status', description: 'Current Dynatrace usage status per cluster and unit.', queries: [{ expr: `${m('license_usage_status')}{${SEL}} == 1`, table: true }], w: 12, h: 10 },
    { kind: 'timeseries', title: 'Usage', description: 'License units in use (IBM: peak of the window).', queries: [{ expr: `${m('license_usage')}{${SEL}}`, legend: '{{cluster}} · {{product}} · {{unit}}' }], w: 12, h: 8 },
    { kind: 'timeseries', title: 'Quota', description: 'Quota or entitlement.', queries: [{ expr: `${m('license_quota')}{${SEL}}`, legend: '{{cluster}} · {{product}} · {{unit}}' }], w: 12, h: 8 },
    { kind: 'bargauge', title: 'Overage used / overage limit', description: 'At 100% Dynatrace stops monitoring the unit.', queries: [{ expr: `${m('license_overage_ratio')}{${SEL}}`, legend: '{{cluster}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1, thresholds: [[null, 'green'], [0.8, 'orange'], [1, 'red']], w: 12, h: 8 },
    { kind: 'bargauge', title: 'License expires in', description: 'Time left per cluster license.', queries: [{ expr: `${m('license_expiry_timestamp_seconds')}{${SEL}} - time()`, legend: '{{cluster}}' }], unit: 's', thresholds: EXPIRY_STEPS, w: 12, h: 8 },
    { kind: 'table', title: 'Collection', description: 'Per cluster: last poll succeeded (1/0), seconds since the last success, last poll duration.', queries: [
      { expr: `${m('license_cluster_up')}{${SEL}}`, table: true },
      { expr: `time() - ${m('license_cluster_last_success_timestamp_seconds')}{${SEL}}`, table: true },
      { expr: `${m('license_cluster_poll_duration_seconds')}{${SEL}}`, table: true },
    ], w: 12, h: 8 },
    { kind: 'timeseries', title: 'Poll errors by reason', description: 'Failed polls per cluster and reason.', queries: [errorsByReason(SEL)], w: 12, h: 8 },
  ])
}

/** One cluster in detail. */
export function clusterDetail (): Dashboard {
  const C = 'cluster=~"$cluster"'
  return dashboard('license-cluster', 'License / Cluster', 'One cluster: usage, quota, status, overage, environments, endpoints and collection.', [
    datasourceVar(),
    queryVar('cluster', 'Cluster', `label_values(${m('license_cluster_up')}, cluster)`, false),
  ], [
    { kind: 'stat', title: 'Last poll', description: '1 if the last poll succeeded.', queries: [{ expr: `${m('license_cluster_up')}{${C}}` }], thresholds: [[null, 'red'], [1, 'green']], w: 4, h: 4 },
    { kind: 'stat', title: 'Since last success', description: 'Age of the data.', queries: [{ expr: `time() - ${m('license_cluster_last_success_timestamp_seconds')}{${C}}` }], unit: 's', w: 4, h: 4 },
    { kind: 'stat', title: 'Poll duration', description: 'Duration of the last poll.', queries: [{ expr: `${m('license_cluster_poll_duration_seconds')}{${C}}` }], unit: 's', w: 4, h: 4 },
    { kind: 'stat', title: 'Vendor service healthy', description: 'Dynatrace /rest/health RUNNING; IBM /version answers.', queries: [{ expr: `${m('license_cluster_healthy')}{${C}}` }], thresholds: [[null, 'red'], [1, 'green']], w: 4, h: 4 },
    { kind: 'stat', title: 'License expires in', description: 'Time left.', queries: [{ expr: `${m('license_expiry_timestamp_seconds')}{${C}} - time()` }], unit: 's', thresholds: EXPIRY_STEPS, w: 4, h: 4 },
    { kind: 'stat', title: 'Unannotated pods (IBM)', description: 'Pods whose usage is not counted.', queries: [{ expr: `${m('license_unannotated_pods')}{${C}}` }], thresholds: [[null, 'green'], [1, 'orange']], w: 4, h: 4 },
    { kind: 'table', title: 'License', description: 'License metadata.', queries: [{ expr: `${m('license_info')}{${C}}`, table: true }], w: 24, h: 4 },
    { kind: 'timeseries', title: 'Usage and quota', description: 'Usage against quota per product and unit.', queries: [
      { expr: `${m('license_usage')}{${C}}`, legend: 'usage {{product}} · {{unit}}' },
      { expr: `${m('license_quota')}{${C}}`, legend: 'quota {{product}} · {{unit}}' },
    ], w: 12, h: 8 },
    { kind: 'bargauge', title: 'Usage / quota', description: 'Usage as a fraction of the quota.', queries: [{ expr: `${m('license_usage_ratio')}{${C}}`, legend: '{{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 8 },
    { kind: 'timeseries', title: 'Remaining', description: 'Units left before the quota.', queries: [{ expr: `${m('license_remaining')}{${C}}`, legend: '{{product}} · {{unit}}' }], w: 12, h: 8 },
    { kind: 'table', title: 'Usage status', description: 'Current status per unit.', queries: [{ expr: `${m('license_usage_status')}{${C}} == 1`, table: true }], w: 12, h: 8 },
    { kind: 'timeseries', title: 'Overage', description: 'Overage used and its limit.', queries: [
      { expr: `${m('license_overage_usage')}{${C}}`, legend: 'used {{unit}}' },
      { expr: `${m('license_overage_quota')}{${C}}`, legend: 'limit {{unit}}' },
    ], w: 12, h: 8 },
    { kind: 'bargauge', title: 'Billed usage per environment (Dynatrace)', description: 'Who consumes the quota: the 20 largest environments per unit.', queries: [{ expr: `topk(20, ${m('license_environment_usage')}{${C}})`, legend: '{{environment}} · {{unit}}' }], w: 12, h: 8 },
    { kind: 'timeseries', title: 'Bundled product usage (IBM)', description: 'Usage of products bundled in a Cloud Pak (already part of the Cloud Pak row of Usage).', queries: [{ expr: `${m('license_bundled_usage')}{${C}}`, legend: '{{product}} in {{cloudpak_id}} · {{unit}}' }], w: 12, h: 8 },
    { kind: 'table', title: 'API endpoints', description: 'Which endpoints answered in the last successful poll.', queries: [{ expr: `${m('license_cluster_endpoint_up')}{${C}}`, table: true }], w: 12, h: 8 },
    { kind: 'timeseries', title: 'Poll errors by reason', description: 'Failed polls by reason.', queries: [errorsByReason(C)], w: 24, h: 8 },
  ])
}

/** IBM products summed over clusters against the global entitlements. */
export function ibmProducts (): Dashboard {
  const P = 'product=~"$product"'
  return dashboard('license-ibm-products', 'License / IBM products across clusters', 'IBM License Service usage summed over all clusters (the sum of per-cluster peaks) against what was bought.', [
    datasourceVar(),
    queryVar('product', 'Product', `label_values(${m('license_usage')}{${IBM}}, product)`, true),
  ], [
    { kind: 'stat', title: 'IBM clusters not reporting', description: 'Their usage is unknown, not zero: the sums below miss it.', queries: [{ expr: `count(${m('license_cluster_up')}{${IBM}} == 0) or vector(0)` }], thresholds: GREEN_RED, w: 6, h: 4 },
    { kind: 'stat', title: 'Unannotated pods', description: 'Pods whose usage is not counted, over all clusters.', queries: [{ expr: `sum(${m('license_unannotated_pods')})` }], thresholds: [[null, 'green'], [1, 'orange']], w: 6, h: 4 },
    { kind: 'stat', title: 'Newest audit snapshot', description: 'Age of the newest archived audit snapshot.', queries: [{ expr: `time() - max(${m('license_snapshot_last_success_timestamp_seconds')})` }], unit: 's', thresholds: [[null, 'green'], [2 * DAY, 'orange']], w: 6, h: 4 },
    { kind: 'stat', title: 'Products over entitlement', description: 'Global entitlements exceeded by the sum over clusters.', queries: [{ expr: `count(${m('license_usage_ratio')}{cluster="_all",${P}} >= 1) or vector(0)` }], thresholds: GREEN_RED, w: 6, h: 4 },
    { kind: 'bargauge', title: 'Summed usage / global entitlement', description: 'Sum over all IBM clusters against the global entitlement.', queries: [{ expr: `${m('license_usage_ratio')}{cluster="_all",${P}}`, legend: '{{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 8 },
    { kind: 'table', title: 'Summed usage and entitlement', description: 'Usage summed over clusters, the global entitlement and what remains.', queries: [
      { expr: `sum by (product, product_id, unit) (${m('license_usage')}{${IBM},cluster!="_all",${P}})`, table: true },
      { expr: `${m('license_quota')}{cluster="_all",${P}}`, table: true },
      { expr: `${m('license_remaining')}{cluster="_all",${P}}`, table: true },
    ], w: 12, h: 8 },
    { kind: 'timeseries', title: 'Usage per cluster', description: 'Per-cluster peaks that make up the sums.', queries: [{ expr: `${m('license_usage')}{${IBM},${P}}`, legend: '{{cluster}} · {{product}} · {{unit}}' }], w: 12, h: 8 },
    { kind: 'table', title: 'Peak dates', description: 'Day of each cluster\'s peak.', queries: [{ expr: `${m('license_peak_timestamp_seconds')}{${IBM},${P}} * 1000`, table: true }], unit: 'dateTimeAsIso', w: 12, h: 8 },
    { kind: 'timeseries', title: 'Bundled product usage', description: 'Products bundled in Cloud Paks, per cluster.', queries: [{ expr: `${m('license_bundled_usage')}{${IBM}}`, legend: '{{cluster}} · {{product}} · {{unit}}' }], w: 24, h: 8 },
  ])
}

/** All dashboards by file name. */
export function dashboards (): Record<string, Dashboard> {
  return { 'license-overview.json': overview(), 'license-cluster.json': clusterDetail(), 'license-ibm-products.json': ibmProducts() }
}

/** The JSON text of a dashboard file. */
export function dashboardJson (d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`
}
