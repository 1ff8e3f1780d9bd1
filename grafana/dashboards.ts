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

/** A catalogued metric name: a compile error if it is not. */
const m = (name: MetricName): string => name

/** The forecast horizon in days, recorded by config/prometheus/license-alerts.yml (one definition). */
const HORIZON = 'license:forecast_horizon_days'

const DS = { type: 'prometheus', uid: '${datasource}' }
const TAG = 'license-exporter'
const SEL = 'cluster=~"$cluster",source=~"$source"'
const IBM = 'source="ibm_license_service"'
const NOT_DT = 'source!="dynatrace_managed"'
const DT = 'source="dynatrace_managed"'
const U = 'unit=~"$unit"'
const DAY = 86_400

/** One query of a panel. */
interface Query { expr: string, legend?: string, table?: boolean }

/** A panel as data; {@link build} turns it into an SDK builder. */
interface PanelSpec {
  kind: 'stat' | 'timeseries' | 'bargauge' | 'table'
  title: string
  description: string
  queries: Query[]
  /** Grafana unit id (required: one unit per panel; license units are `short`, the unit is in the title). */
  unit: string
  min?: number
  max?: number
  /** [from value (null = base), color]. */
  thresholds?: Array<[number | null, string]>
  /** Repeat the panel for every value of this variable (e.g. `unit`, so a panel never mixes units). */
  repeat?: string
  /** Shown when the queries return nothing. */
  noValue?: string
  w: number
  h: number
}

const GREEN_RED: Array<[number | null, string]> = [[null, 'green'], [1, 'red']]
const RATIO_STEPS: Array<[number | null, string]> = [[null, 'green'], [0.9, 'orange'], [1.000001, 'red']]
const EXPIRY_STEPS: Array<[number | null, string]> = [[null, 'red'], [7 * DAY, 'orange'], [30 * DAY, 'green']]

/**
 * Panels whose queries may legitimately return nothing (the projected dates: nothing trends towards its limit).
 * The end-to-end test accepts an empty result for these titles only.
 */
export const MAY_BE_EMPTY = new Set(['Projected exhaustion date', 'Projected exhaustion date (this cluster)'])

function target (q: Query, i: number): cog.Builder<cog.Dataquery> {
  const b = new DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i)).datasource(DS)
  if (q.legend !== undefined) b.legendFormat(q.legend)
  if (q.table === true) b.instant().format(PromQueryFormat.Table)
  return b
}

function build (spec: PanelSpec, id: number, x: number, y: number): cog.Builder<Panel> {
  const last = new common.ReduceDataOptionsBuilder().calcs(['lastNotNull'])
  const b = spec.kind === 'stat' ? new stat.PanelBuilder().graphMode(common.BigValueGraphMode.None).reduceOptions(last)
    : spec.kind === 'timeseries' ? new timeseries.PanelBuilder().legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
      : spec.kind === 'bargauge' ? new bargauge.PanelBuilder().displayMode(common.BarGaugeDisplayMode.Gradient).orientation(common.VizOrientation.Horizontal).reduceOptions(last)
        : new table.PanelBuilder()
  b.id(id).title(spec.title).description(spec.description).datasource(DS).gridPos({ x, y, w: spec.w, h: spec.h }).unit(spec.unit)
  spec.queries.forEach((q, i) => b.withTarget(target(q, i)))
  if (spec.min !== undefined) b.min(spec.min)
  if (spec.max !== undefined) b.max(spec.max)
  if (spec.noValue !== undefined) b.noValue(spec.noValue)
  if (spec.repeat !== undefined) b.repeat(spec.repeat).repeatDirection('h').maxPerRow(Math.max(1, Math.floor(24 / spec.w)))
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
    // A repeated panel fills its row with copies: start it on a new row, and start a new row after it.
    const repeats = p.repeat !== undefined
    if (x + p.w > 24 || (repeats && x > 0)) { x = 0; y += rowH; rowH = 0 }
    d.withPanel(build(p, i + 1, x, y))
    x += repeats ? 24 : p.w
    rowH = Math.max(rowH, p.h)
  }
  return d.build()
}

const errorsByReason = (sel: string): Query => ({
  expr: `sum by (cluster, reason) (increase(${m('license_cluster_poll_errors_total')}{${sel}}[$__rate_interval]))`, legend: '{{cluster}} {{reason}}',
})

/**
 * The date (Unix ms) at which a quota, entitlement or overage limit is used up at the least-squares trend of
 * the last 7 days: the same fit as the forecast alerts' predict_linear(...[7d]). Only series trending towards
 * their limit; `limit` says which.
 */
function projectedDates (sel: string): Query {
  const w = '[7d]'
  const quota = `(${m('license_quota')}{${DT},${sel}} - ${m('license_usage')}{${DT},${sel}}) / (deriv(${m('license_usage')}{${DT},${sel}}${w}) > 0)`
  const ent = `${m('license_remaining')}{${NOT_DT},${sel}} / -(deriv(${m('license_remaining')}{${NOT_DT},${sel}}${w}) < 0)`
  const over = `${m('license_overage_remaining')}{${sel}} / (deriv(${m('license_overage_usage')}{${sel}}${w}) > 0)`
  const lim = (expr: string, name: string): string => `label_replace((time() + ${expr}) * 1000, "limit", "${name}", "", "")`
  return { expr: `${lim(quota, 'quota')} or ${lim(ent, 'entitlement')} or ${lim(over, 'overage limit')}`, table: true }
}

const FORECAST_DESC = 'When the quota (Dynatrace), the entitlement (IBM; cluster "_all": the global one) or the overage limit is used up at the trend of the last 7 days (least squares, the same fit as the forecast alerts, which fire when the date is within license:forecast_horizon_days, 28 days unless changed). Empty when nothing trends towards its limit.'

/** Overview of all clusters. */
export function overview (): Dashboard {
  return dashboard('license-overview', 'License / Overview', 'License consumption of every cluster: usage against quota, status, overage, forecast, expiry and collection health.', [
    datasourceVar(),
    queryVar('source', 'Source', `label_values(${m('license_cluster_up')}, source)`, true),
    queryVar('cluster', 'Cluster', `label_values(${m('license_cluster_up')}{source=~"$source"}, cluster)`, true),
    queryVar('unit', 'Unit', `label_values(${m('license_usage')}{${SEL}}, unit)`, true),
  ], [
    { kind: 'stat', title: 'Clusters collected', description: 'Clusters whose last poll succeeded.', queries: [{ expr: `sum(${m('license_cluster_up')}{${SEL}})` }], unit: 'none', w: 4, h: 4 },
    { kind: 'stat', title: 'Clusters down', description: 'Clusters whose last poll failed (see Collection below).', queries: [{ expr: `count(${m('license_cluster_up')}{${SEL}} == 0) or vector(0)` }], unit: 'none', thresholds: GREEN_RED, w: 4, h: 4 },
    { kind: 'stat', title: 'Units exhausted', description: 'Dynatrace units in QUOTA_REACHED or OVERAGE_QUOTA_REACHED: monitoring stops there (alert LicenseQuotaExhausted).', queries: [{ expr: `count(${m('license_usage_status')}{${SEL},status=~"OVERAGE_QUOTA_REACHED|QUOTA_REACHED"} == 1) or vector(0)` }], unit: 'none', thresholds: GREEN_RED, w: 4, h: 4 },
    { kind: 'stat', title: 'Units in overage', description: 'Dynatrace units past their quota, consuming paid overage (alert LicenseUsingOverage).', queries: [{ expr: `count(${m('license_usage_status')}{${SEL},status="USING_OVERAGE"} == 1) or vector(0)` }], unit: 'none', thresholds: [[null, 'green'], [1, 'orange']], w: 4, h: 4 },
    { kind: 'stat', title: 'Entitlements exceeded', description: 'Entitlements with usage over what was bought (usage > quota; exactly at it is compliant), per cluster and global: alert LicenseQuotaExceeded, the report\'s compliant=false.', queries: [{ expr: `count(${m('license_remaining')}{${SEL},${NOT_DT}} < 0) or vector(0)` }], unit: 'none', thresholds: GREEN_RED, w: 4, h: 4 },
    { kind: 'stat', title: 'Soonest license expiry', description: 'Time left before the first license expires.', queries: [{ expr: `min(${m('license_expiry_timestamp_seconds')}{${SEL}} - time())` }], unit: 's', thresholds: EXPIRY_STEPS, w: 4, h: 4 },
    { kind: 'bargauge', title: 'Usage / quota', description: 'Usage as a fraction of the quota or entitlement, per cluster, product and unit (cluster "_all": the sum over all IBM clusters). Red above 100 %; exactly 100 % of an entitlement is compliant.', queries: [{ expr: `${m('license_usage_ratio')}{${SEL}}`, legend: '{{cluster}} · {{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 10 },
    { kind: 'table', title: 'Usage status', description: 'Current Dynatrace usage status per cluster and unit.', queries: [{ expr: `${m('license_usage_status')}{${SEL}} == 1`, table: true }], unit: 'none', w: 12, h: 10 },
    { kind: 'timeseries', title: 'Usage and quota: $unit', description: 'License units in use (IBM: peak of the window) and the quota or entitlement, in one unit per panel (repeated for each unit).', queries: [
      { expr: `${m('license_usage')}{${SEL},${U}}`, legend: 'usage {{cluster}} · {{product}}' },
      { expr: `${m('license_quota')}{${SEL},${U}}`, legend: 'quota {{cluster}} · {{product}}' },
    ], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'stat', title: 'Forecast horizon', description: `The forecast alerts fire when a limit is used up within this many days at the 7-day trend (${HORIZON}, set in license-alerts.yml).`, queries: [{ expr: HORIZON }], unit: 'd', w: 4, h: 8 },
    { kind: 'table', title: 'Projected exhaustion date', description: FORECAST_DESC, queries: [projectedDates(SEL)], unit: 'dateTimeAsIso', noValue: 'Nothing runs out at the current trend', w: 20, h: 8 },
    { kind: 'bargauge', title: 'Overage used / overage limit', description: 'At 100% Dynatrace stops monitoring the unit.', queries: [{ expr: `${m('license_overage_ratio')}{${SEL}}`, legend: '{{cluster}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1, thresholds: [[null, 'green'], [0.8, 'orange'], [1, 'red']], w: 12, h: 8 },
    { kind: 'bargauge', title: 'License expires in', description: 'Time left per cluster license.', queries: [{ expr: `${m('license_expiry_timestamp_seconds')}{${SEL}} - time()`, legend: '{{cluster}}' }], unit: 's', thresholds: EXPIRY_STEPS, w: 12, h: 8 },
    { kind: 'table', title: 'Collection', description: 'Per cluster: seconds since the last successful poll, and the duration of the last poll (Clusters down above counts the failed ones).', queries: [
      { expr: `time() - ${m('license_cluster_last_success_timestamp_seconds')}{${SEL}}`, table: true },
      { expr: `${m('license_cluster_poll_duration_seconds')}{${SEL}}`, table: true },
    ], unit: 's', w: 12, h: 8 },
    { kind: 'timeseries', title: 'Poll errors by reason', description: 'Failed polls per cluster and reason.', queries: [errorsByReason(SEL)], unit: 'short', w: 12, h: 8 },
  ])
}

/** One cluster in detail. */
export function clusterDetail (): Dashboard {
  const C = 'cluster=~"$cluster"'
  return dashboard('license-cluster', 'License / Cluster', 'One cluster: usage, quota, status, overage, forecast, environments, endpoints, audit snapshots and collection.', [
    datasourceVar(),
    queryVar('cluster', 'Cluster', `label_values(${m('license_cluster_up')}, cluster)`, false),
    queryVar('unit', 'Unit', `label_values(${m('license_usage')}{${C}}, unit)`, true),
  ], [
    { kind: 'stat', title: 'Last poll', description: '1 if the last poll succeeded.', queries: [{ expr: `${m('license_cluster_up')}{${C}}` }], unit: 'bool', thresholds: [[null, 'red'], [1, 'green']], w: 4, h: 4 },
    { kind: 'stat', title: 'Since last success', description: 'Age of the data.', queries: [{ expr: `time() - ${m('license_cluster_last_success_timestamp_seconds')}{${C}}` }], unit: 's', w: 4, h: 4 },
    { kind: 'stat', title: 'Poll duration', description: 'Duration of the last poll.', queries: [{ expr: `${m('license_cluster_poll_duration_seconds')}{${C}}` }], unit: 's', w: 4, h: 4 },
    { kind: 'stat', title: 'Vendor service healthy', description: 'Dynatrace /rest/health RUNNING; IBM /version answers.', queries: [{ expr: `${m('license_cluster_healthy')}{${C}}` }], unit: 'bool', thresholds: [[null, 'red'], [1, 'green']], w: 4, h: 4 },
    { kind: 'stat', title: 'License expires in', description: 'Time left.', queries: [{ expr: `${m('license_expiry_timestamp_seconds')}{${C}} - time()` }], unit: 's', thresholds: EXPIRY_STEPS, w: 4, h: 4 },
    { kind: 'stat', title: 'Unannotated pods (IBM)', description: 'Pods whose usage is not counted.', queries: [{ expr: `${m('license_unannotated_pods')}{${C}}` }], unit: 'none', thresholds: [[null, 'green'], [1, 'orange']], w: 4, h: 4 },
    { kind: 'table', title: 'License', description: 'License metadata.', queries: [{ expr: `${m('license_info')}{${C}}`, table: true }], unit: 'none', w: 24, h: 4 },
    { kind: 'timeseries', title: 'Usage, quota and remaining: $unit', description: 'Usage against quota (or entitlement) and what remains, per product, in one unit per panel (repeated for each unit).', queries: [
      { expr: `${m('license_usage')}{${C},${U}}`, legend: 'usage {{product}}' },
      { expr: `${m('license_quota')}{${C},${U}}`, legend: 'quota {{product}}' },
      { expr: `${m('license_remaining')}{${C},${U}}`, legend: 'remaining {{product}}' },
    ], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'bargauge', title: 'Usage / quota', description: 'Usage as a fraction of the quota.', queries: [{ expr: `${m('license_usage_ratio')}{${C}}`, legend: '{{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 8 },
    { kind: 'table', title: 'Usage status', description: 'Current status per unit.', queries: [{ expr: `${m('license_usage_status')}{${C}} == 1`, table: true }], unit: 'none', w: 12, h: 8 },
    { kind: 'table', title: 'Projected exhaustion date (this cluster)', description: FORECAST_DESC, queries: [projectedDates(C)], unit: 'dateTimeAsIso', noValue: 'Nothing runs out at the current trend', w: 24, h: 6 },
    { kind: 'timeseries', title: 'Overage: $unit', description: 'Dynatrace overage used and its limit, in one unit per panel.', queries: [
      { expr: `${m('license_overage_usage')}{${C},${U}}`, legend: 'used' },
      { expr: `${m('license_overage_quota')}{${C},${U}}`, legend: 'limit' },
    ], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'bargauge', title: 'Billed usage per environment (Dynatrace): $unit', description: 'Who consumes the quota: the 20 largest environments, in one unit per panel.', queries: [{ expr: `topk(20, ${m('license_environment_usage')}{${C},${U}})`, legend: '{{environment}}' }], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'timeseries', title: 'Bundled product usage (IBM): $unit', description: 'Usage of products bundled in a Cloud Pak (already part of the Cloud Pak row of Usage), in one unit per panel.', queries: [{ expr: `${m('license_bundled_usage')}{${C},${U}}`, legend: '{{product}} in {{cloudpak_id}}' }], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'table', title: 'API endpoints', description: 'Which endpoints answered in the last successful poll (1) or not (0).', queries: [{ expr: `${m('license_cluster_endpoint_up')}{${C}}`, table: true }], unit: 'none', w: 12, h: 8 },
    { kind: 'timeseries', title: 'Poll errors by reason', description: 'Failed polls by reason.', queries: [errorsByReason(C)], unit: 'short', w: 12, h: 8 },
    { kind: 'stat', title: 'Audit snapshot age (IBM)', description: 'Time since the last archived audit snapshot (clusters with snapshot: only; alert LicenseSnapshotMissing after 2 days).', queries: [{ expr: `time() - ${m('license_snapshot_last_success_timestamp_seconds')}{${C}}` }], unit: 's', thresholds: [[null, 'green'], [2 * DAY, 'orange']], w: 8, h: 4 },
    { kind: 'stat', title: 'Quarter days without a snapshot (IBM)', description: 'Days of the current quarter that no archived audit snapshot covers (alert LicenseSnapshotCoverageGap above 1).', queries: [{ expr: `${m('license_snapshot_uncovered_seconds')}{${C}}` }], unit: 's', thresholds: [[null, 'green'], [172800, 'orange']], w: 8, h: 4 },
    { kind: 'timeseries', title: 'Snapshot failures by reason (IBM)', description: 'Failed audit snapshot downloads by reason.', queries: [{ expr: `sum by (reason) (increase(${m('license_snapshot_failures_total')}{${C}}[$__rate_interval]))`, legend: '{{reason}}' }], unit: 'short', w: 8, h: 4 },
  ])
}

/** IBM products summed over clusters against the global entitlements. */
export function ibmProducts (): Dashboard {
  const P = 'product=~"$product"'
  return dashboard('license-ibm-products', 'License / IBM products across clusters', 'IBM License Service usage over all clusters against what was bought: the sum of per-cluster peaks (an upper bound, IBM\'s procedure) and the measured multicluster peak; audit snapshot coverage.', [
    datasourceVar(),
    queryVar('product', 'Product', `label_values(${m('license_usage')}{${IBM}}, product)`, true),
    queryVar('unit', 'Unit', `label_values(${m('license_usage')}{${IBM},${P}}, unit)`, true),
  ], [
    { kind: 'stat', title: 'IBM clusters not reporting', description: 'Their usage is unknown, not zero: the sums below miss it.', queries: [{ expr: `count(${m('license_cluster_up')}{${IBM}} == 0) or vector(0)` }], unit: 'none', thresholds: GREEN_RED, w: 6, h: 4 },
    { kind: 'stat', title: 'Unannotated pods', description: 'Pods whose usage is not counted, over all clusters.', queries: [{ expr: `sum(${m('license_unannotated_pods')})` }], unit: 'none', thresholds: [[null, 'green'], [1, 'orange']], w: 6, h: 4 },
    { kind: 'stat', title: 'Newest audit snapshot', description: 'Age of the newest archived audit snapshot.', queries: [{ expr: `time() - max(${m('license_snapshot_last_success_timestamp_seconds')})` }], unit: 's', thresholds: [[null, 'green'], [2 * DAY, 'orange']], w: 6, h: 4 },
    { kind: 'stat', title: 'Products over entitlement', description: 'Global entitlements exceeded by the sum over clusters (usage > entitlement; exactly at it is compliant): alert LicenseQuotaExceeded{cluster="_all"}, the report\'s compliant=false.', queries: [{ expr: `count(${m('license_remaining')}{cluster="_all",${P}} < 0) or vector(0)` }], unit: 'none', thresholds: GREEN_RED, w: 6, h: 4 },
    { kind: 'bargauge', title: 'Summed usage / global entitlement', description: 'Sum of the per-cluster peaks over all IBM clusters against the global entitlement.', queries: [{ expr: `${m('license_usage_ratio')}{cluster="_all",${P}}`, legend: '{{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 8 },
    { kind: 'bargauge', title: 'Multicluster peak / global entitlement', description: 'The quarter-to-date highest daily sum over all IBM clusters against the global entitlement (alert LicenseIBMMulticlusterPeakExceeded above 100 %).', queries: [{ expr: `max by (product, product_id, unit) (${m('license_ibm_multicluster_peak_ratio')}{${P}})`, legend: '{{product}} · {{unit}}' }], unit: 'percentunit', min: 0, max: 1.2, thresholds: RATIO_STEPS, w: 12, h: 8 },
    { kind: 'timeseries', title: 'Multicluster peak, sum of cluster peaks and entitlement: $unit', description: 'Multicluster peak: the highest daily sum over all IBM clusters this quarter (what was really used at once). Sum of cluster peaks: each cluster\'s own peak added up, an upper bound (the peaks can fall on different days). Entitlement: the global one.', queries: [
      { expr: `max by (product, product_id, unit) (${m('license_ibm_multicluster_peak')}{${P},${U}})`, legend: 'multicluster peak {{product}}' },
      { expr: `sum by (product, product_id, unit) (${m('license_usage')}{${IBM},cluster!="_all",${P},${U}})`, legend: 'sum of cluster peaks {{product}} (upper bound)' },
      { expr: `${m('license_quota')}{cluster="_all",${P},${U}}`, legend: 'entitlement {{product}}' },
    ], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'table', title: 'Multicluster peak date', description: 'Day of the quarter-to-date highest daily sum over all IBM clusters (one series per product, whichever replica exports it).', queries: [{ expr: `max by (product, product_id, unit) (${m('license_ibm_multicluster_peak_timestamp_seconds')}{${P}}) * 1000`, table: true }], unit: 'dateTimeAsIso', w: 12, h: 8 },
    { kind: 'table', title: 'Summed usage and entitlement: $unit', description: 'Sum of the per-cluster peaks, the global entitlement and what remains, in one unit per panel.', queries: [
      { expr: `sum by (product, product_id, unit) (${m('license_usage')}{${IBM},cluster!="_all",${P},${U}})`, table: true },
      { expr: `${m('license_quota')}{cluster="_all",${P},${U}}`, table: true },
      { expr: `${m('license_remaining')}{cluster="_all",${P},${U}}`, table: true },
    ], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'timeseries', title: 'Usage per cluster: $unit', description: 'Per-cluster peaks that make up the sums, in one unit per panel.', queries: [{ expr: `${m('license_usage')}{${IBM},${P},${U}}`, legend: '{{cluster}} · {{product}}' }], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'table', title: 'Peak dates', description: 'Day of each cluster\'s peak.', queries: [{ expr: `${m('license_peak_timestamp_seconds')}{${IBM},${P}} * 1000`, table: true }], unit: 'dateTimeAsIso', w: 12, h: 8 },
    { kind: 'timeseries', title: 'Bundled product usage: $unit', description: 'Products bundled in Cloud Paks, per cluster, in one unit per panel.', queries: [{ expr: `${m('license_bundled_usage')}{${IBM},${U}}`, legend: '{{cluster}} · {{product}}' }], unit: 'short', repeat: 'unit', w: 12, h: 8 },
    { kind: 'bargauge', title: 'Audit snapshot coverage', description: 'Per IBM cluster with snapshot: the days of the current quarter that no archived audit snapshot covers (IBM asks for quarterly snapshots; alert LicenseSnapshotCoverageGap above 1 day).', queries: [{ expr: `${m('license_snapshot_uncovered_seconds')}`, legend: '{{cluster}}' }], unit: 's', min: 0, thresholds: [[null, 'green'], [172800, 'orange']], w: 8, h: 8 },
    { kind: 'bargauge', title: 'Audit snapshot age', description: 'Per IBM cluster with snapshot: time since the last archived audit snapshot (alert LicenseSnapshotMissing after 2 days, or when none ever succeeded).', queries: [{ expr: `time() - ${m('license_snapshot_last_success_timestamp_seconds')}`, legend: '{{cluster}}' }], unit: 's', thresholds: [[null, 'green'], [2 * DAY, 'orange']], w: 8, h: 8 },
    { kind: 'timeseries', title: 'Snapshot failures by reason', description: 'Failed audit snapshot downloads per cluster and reason.', queries: [{ expr: `sum by (cluster, reason) (increase(${m('license_snapshot_failures_total')}[$__rate_interval]))`, legend: '{{cluster}} {{reason}}' }], unit: 'short', w: 8, h: 8 },
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
