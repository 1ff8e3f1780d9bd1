/**
 * The landing page: the license position at a glance. One card per cluster (license state, usage against
 * quota per unit with a bar, overage, collection state, partial failures, last success as an age) and IBM's
 * multicluster figures of the quarter to date. Server-rendered, no script, no external asset (the CSP allows
 * inline styles only); it refreshes itself every {@link REFRESH_SECONDS} s. Every value is escaped.
 */
import type { PeriodReport } from '../licensing/period-report.js'
import type { ClusterState } from '../polling/store.js'
import { ago, licenseView, type UnitView } from './license-view.js'

/** How often the page reloads itself. */
export const REFRESH_SECONDS = 30

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escape text for HTML element and attribute content. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c] ?? c)
}

const num = (n: number | undefined): string => (n === undefined ? '–' : Number.isInteger(n) ? n.toLocaleString('en-US') : n.toLocaleString('en-US', { maximumFractionDigits: 2 }))

function unitRow (u: UnitView): string {
  const pct = u.ratio === undefined ? undefined : Math.round(u.ratio * 100)
  const bar = pct === undefined ? '' : `<div class="bar"><div class="fill ${u.level}" style="width:${Math.min(100, Math.max(0, pct))}%"></div></div>`
  const overage = u.overageUsage === undefined ? '' : `<div class="small">overage ${num(u.overageUsage)}${u.overageQuota === undefined ? '' : ` of ${num(u.overageQuota)}`}</div>`
  return `<li><div class="unit"><span>${escapeHtml(u.product)} · <b>${escapeHtml(u.unit)}</b></span>` +
    `<span>${num(u.usage)}${u.quota === undefined ? '' : ` / ${num(u.quota)}`}${pct === undefined ? '' : ` (${pct} %)`}</span></div>${bar}${overage}` +
    `${u.status === undefined ? '' : `<div class="small">${escapeHtml(u.status)}</div>`}</li>`
}

function card (st: ClusterState, nowMs: number): string {
  const view = licenseView(st)
  const collection = st.up === undefined ? '<span class="badge unknown">pending</span>'
    : st.up ? '<span class="badge ok">collected</span>' : '<span class="badge critical">down</span>'
  const last = st.lastSuccessMs === undefined ? 'never'
    : `<span title="${new Date(st.lastSuccessMs).toISOString()}">${ago(nowMs - st.lastSuccessMs)}</span>`
  const error = st.up === false && st.lastError !== undefined ? `<p class="error">${escapeHtml(st.lastError.reason)}: ${escapeHtml(st.lastError.message)}</p>` : ''
  const parts = st.partFailures.map(p => `<p class="warn">${escapeHtml(p.part)} unavailable (${escapeHtml(p.reason)})</p>`).join('')
  return `<section class="card" data-cluster="${escapeHtml(st.id.name)}"><h2>${escapeHtml(st.id.name)} <span class="badge license ${view.level}">${escapeHtml(view.label)}</span></h2>` +
    `<p class="small">${escapeHtml(st.id.type)} · ${collection} · last success ${last}</p>${error}${parts}` +
    `<ul class="units">${view.units.map(unitRow).join('')}</ul></section>`
}

function multicluster (report: PeriodReport | undefined): string {
  if (report === undefined || report.rows.length === 0) return ''
  const rows = report.rows.map(r => `<tr class="${r.compliant === false ? 'critical' : ''}"><td data-label="Product">${escapeHtml(r.product)}</td><td data-label="Unit">${escapeHtml(r.metric)}</td>` +
    `<td data-label="Peak">${r.peak === null ? '–' : num(r.peak)}${r.peak_date === null ? '' : ` <span class="small">${escapeHtml(r.peak_date)}</span>`}</td><td data-label="Sum of peaks">${num(r.sum_of_cluster_peaks)}</td>` +
    `<td data-label="Entitled">${r.entitlement === null ? '–' : num(r.entitlement)}</td><td data-label="Compliant">${r.compliant === null ? 'unknown' : r.compliant ? 'yes' : '<b>no</b>'}</td></tr>`).join('')
  return `<h2>IBM multicluster usage, ${escapeHtml(report.from)} to ${escapeHtml(report.to)}</h2>` +
    '<p class="small">Highest daily sum over all IBM clusters (IBM\'s figure) beside the sum of each cluster\'s peak (an upper bound).' +
    `${report.complete ? '' : ' <b>Incomplete</b>: some clusters lack daily data for some days; the peak may understate.'}</p>` +
    '<table><thead><tr><th>Product</th><th>Unit</th><th>Peak</th><th>Sum of peaks</th><th>Entitled</th><th>Compliant</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>`
}

const STYLE = `body{font-family:system-ui,sans-serif;margin:1rem;color:#1f2328;overflow-wrap:anywhere}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin:.2rem 0}.small{font-size:.85rem;color:#59636e;margin:.2rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,22rem),1fr));gap:.8rem}
.card{border:1px solid #d1d9e0;border-radius:6px;padding:.6rem .8rem;min-width:0}
.badge{display:inline-block;border-radius:1rem;padding:0 .5rem;font-size:.8rem;color:#fff;background:#59636e}
.badge.ok{background:#1a7f37}.badge.warning{background:#bf8700}.badge.critical{background:#cf222e}
.units{list-style:none;padding:0;margin:.4rem 0}.units li{margin:.4rem 0}.unit{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.3rem}
.bar{height:.5rem;background:#eef1f4;border-radius:.25rem}.fill{height:100%;border-radius:.25rem;background:#1a7f37}
.fill.warning{background:#bf8700}.fill.critical{background:#cf222e}.error{color:#cf222e;margin:.2rem 0}.warn{color:#9a6700;margin:.2rem 0}
table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border:1px solid #d1d9e0;padding:.3rem;text-align:left;vertical-align:top}
tr.critical td{background:#ffebe9}nav a{margin-right:.8rem}
@media (max-width:40rem){table,tbody,tr,td{display:block}thead{display:none}tr{border:1px solid #d1d9e0;border-radius:6px;margin:.5rem 0;padding:.3rem .5rem}
td{border:none;padding:.1rem 0}td::before{content:attr(data-label) ": ";font-weight:600}}`

/** Render the landing page. */
export function landingPage (opts: { version: string, ready: boolean, clusters: readonly ClusterState[], report?: PeriodReport, nowMs: number }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}"><title>License Exporter</title><style>${STYLE}</style></head>
<body><h1>License Exporter</h1>
<p class="small">Version ${escapeHtml(opts.version)}. ${opts.ready ? 'Every cluster has been polled.' : 'The first poll round is still running.'} This page refreshes every ${REFRESH_SECONDS} s.</p>
<nav class="small"><a href="metrics">Metrics</a><a href="api/v1/clusters">Clusters (JSON)</a><a href="api/v1/report">Report (JSON)</a><a href="api/v1/report?format=csv">Report (CSV)</a><a href="readyz">Readiness</a></nav>
<div class="cards">${opts.clusters.map(c => card(c, opts.nowMs)).join('\n')}</div>
${multicluster(opts.report)}
</body></html>
`
}
