/** The landing page: a small HTML table of clusters. Every value is escaped. */
import type { ClusterView } from './status.js'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escape text for HTML element and attribute content. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c] ?? c)
}

function statusCell (c: ClusterView): string {
  if (c.up === null) return '<td class="pending">pending</td>'
  return c.up ? '<td class="up">up</td>' : '<td class="down">down</td>'
}

/** Render the landing page. */
export function landingPage (opts: { version: string, ready: boolean, clusters: readonly ClusterView[] }): string {
  const rows = opts.clusters.map(c => `<tr><td>${escapeHtml(c.name)}</td><td>${escapeHtml(c.source)}</td>${statusCell(c)}` +
    `<td>${escapeHtml(c.last_success ?? 'never')}</td>` +
    `<td>${c.last_error === null ? '' : `${escapeHtml(c.last_error.reason)}: ${escapeHtml(c.last_error.message)}`}</td>` +
    `<td>${c.series}</td></tr>`).join('\n')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>License Exporter</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
.up{color:#1a7f37}.down{color:#cf222e;font-weight:bold}.pending{color:#9a6700}</style></head>
<body><h1>License Exporter</h1>
<p>Version ${escapeHtml(opts.version)}. ${opts.ready ? 'Ready: every cluster has been polled.' : 'Not ready yet: the first poll round is running.'}</p>
<ul><li><a href="metrics">Metrics</a></li><li><a href="api/v1/clusters">Clusters (JSON)</a></li><li><a href="api/v1/report">IBM multicluster report (JSON)</a>, <a href="api/v1/report?format=csv">CSV</a></li><li><a href="healthz">Health</a></li><li><a href="readyz">Readiness</a></li></ul>
<table><thead><tr><th>Cluster</th><th>Source</th><th>Status</th><th>Last success</th><th>Last error</th><th>Series</th></tr></thead>
<tbody>
${rows}
</tbody></table></body></html>
`
}
