/**
 * The exporter's routes as a Fastify plugin: `/metrics`, `/healthz`, `/readyz`, `/`, `/api/v1/clusters`,
 * `/api/v1/report` and `POST /-/reload`. It needs only its dependencies, so tests register it on a store
 * filled by hand and use `inject`.
 */
import type { OutgoingHttpHeaders } from 'node:http'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { parseWindow, type ReportWindow } from '../licensing/period.js'
import type { PeriodReport } from '../licensing/period-report.js'
import type { ClusterMetrics } from '../metrics/cluster.js'
import type { Format } from '../metrics/format.js'
import type { ProcessMetrics } from '../metrics/process.js'
import { CONTENT_TYPES, scrapeBody } from '../metrics/rendered.js'
import type { Store } from '../polling/store.js'
import { MetricsSends } from './metrics-sends.js'
import { csvStream, jsonStream, MAX_REPORTS_AT_ONCE, REPORT_RETRY_AFTER_S, ReportSlots, ReportTooLarge } from './report-limits.js'
import { landingPage } from './page.js'
import { writeParts } from './send.js'
import { clusterView } from './status.js'

/** What the routes need. */
export interface RouteDeps {
  store: Store
  clusterMetrics: ClusterMetrics
  processMetrics: ProcessMetrics
  version: string
  /** True once the config is loaded and every cluster was polled once. */
  ready: () => boolean
  /** The multicluster report of a reporting period. */
  report: (window: ReportWindow) => Promise<PeriodReport>
  /** The quarter-to-date report last computed (the landing page shows it; undefined on a shard). */
  quarter?: () => PeriodReport | undefined
  /** Reload the config; resolves to an error message when the new config was refused. */
  reload: () => Promise<string | undefined>
  /** The version (hash) of the config in use, told in the answer to a reload. */
  configVersion?: () => string
  /** Serve `POST /-/reload` (like Prometheus' `--web.enable-lifecycle`). */
  enableLifecycle: boolean
  /** What slow `/metrics` readers hold (a default one when not given). */
  metricsSends?: MetricsSends
}

const OPENMETRICS = /application\/openmetrics-text/i

/** Pick the exposition format from an `Accept` header (OpenMetrics only when asked for, and not with q=0). */
export function negotiateFormat (accept: string | undefined): Format {
  if (accept === undefined) return 'text'
  for (const part of accept.split(',')) {
    const [type, ...params] = part.split(';').map(s => s.trim())
    if (type === undefined || !OPENMETRICS.test(type)) continue
    const q = params.find(p => p.startsWith('q='))
    if (q === undefined || Number(q.slice(2)) > 0) return 'openmetrics'
  }
  return 'text'
}

function acceptsGzip (header: string | undefined): boolean {
  return header !== undefined && /(^|,)\s*gzip\s*(;\s*q=(?!0(\.0*)?\s*(,|$))[\d.]+)?\s*(,|$)/i.test(header)
}

const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** The routes, as a plugin: `app.register(exporterRoutes, deps)`. */
export async function exporterRoutes (app: FastifyInstance, deps: RouteDeps): Promise<void> {
  const sends = deps.metricsSends ?? new MetricsSends()
  app.get('/metrics', async (req, reply) => {
    const format = negotiateFormat(req.headers.accept)
    const gzip = acceptsGzip(req.headers['accept-encoding'])
    const { body, release } = await sends.take(`${format}:${gzip}`, async () => {
      const [clusters, processBody] = await Promise.all([deps.clusterMetrics.get(format, gzip), deps.processMetrics.render(format)])
      return scrapeBody(clusters, processBody, gzip)
    })
    const headers: OutgoingHttpHeaders = {
      'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store', vary: 'accept-encoding', 'content-length': body.length,
    }
    if (gzip) headers['content-encoding'] = 'gzip'
    // The cached buffers as they are, handed to the socket in one writev (as one `end(buffer)` would be): no
    // per-scrape copy of the 8 MB body, and no wait for a drain between parts.
    reply.hijack()
    sends.watch(reply.raw, release)
    writeParts(reply.raw, 200, headers, body.parts)
  })

  app.get('/healthz', async (_req, reply) => reply.type('text/plain').send('OK\n'))

  app.get('/readyz', async (_req, reply) => {
    const ready = deps.ready()
    // Ready means the first round is also in the exposition (renders are throttled; probes are rare).
    if (ready) await deps.clusterMetrics.refresh()
    return reply.code(ready ? 200 : 503).type('text/plain').send(ready ? 'ready\n' : 'not ready: first poll round still running\n')
  })

  app.get('/api/v1/clusters', async () => ({ ready: deps.ready(), clusters: deps.store.list().map(clusterView) }))

  const reportSlots = new ReportSlots()
  const reportQuery = z.strictObject({
    format: z.enum(['json', 'csv'], { error: 'format: must be json or csv' }).default('json'),
    from: z.string().optional(),
    to: z.string().optional(),
    period: z.string().optional(),
  }, { error: issue => issue.code === 'unrecognized_keys' ? `${issue.keys.join(', ')}: unknown parameter (from, to, period, format)` : undefined })
  app.get('/api/v1/report', async (req, reply) => {
    const query = reportQuery.safeParse(req.query)
    if (!query.success) {
      const issue = query.error.issues[0]
      const parameter = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : String(issue?.path[0] ?? '')
      return reply.code(400).send({ error: issue?.message ?? 'bad query', parameter })
    }
    const window = parseWindow(query.data, Date.now())
    if (!window.ok) return reply.code(400).send({ error: window.message, parameter: window.param })
    let report: PeriodReport | undefined
    try {
      report = await reportSlots.run(() => deps.report(window.window))
    } catch (err) {
      if (err instanceof ReportTooLarge) return reply.code(413).send({ error: err.message, parameter: 'period' })
      throw err
    }
    if (report === undefined) {
      return reply.code(429).header('retry-after', String(REPORT_RETRY_AFTER_S)).send({ error: `${MAX_REPORTS_AT_ONCE} reports are being computed: try again in ${REPORT_RETRY_AFTER_S} s` })
    }
    if (query.data.format === 'json') return reply.type('application/json; charset=utf-8').send(jsonStream(report))
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="license-report-${report.from}-${report.to}.csv"`)
      .send(csvStream(report))
  })

  app.get('/', async (_req, reply) => {
    const nowMs = Date.now()
    const report = deps.quarter?.()
    const html = landingPage({ version: deps.version, ready: deps.ready(), clusters: deps.store.list(), nowMs, ...(report !== undefined ? { report } : {}) })
    return reply.headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html)
  })

  app.post('/-/reload', async (_req, reply) => {
    if (!deps.enableLifecycle) return reply.code(403).type('text/plain').send('lifecycle API is not enabled (--web.enable-lifecycle)\n')
    const problem = await deps.reload()
    if (problem === undefined) return reply.type('text/plain').send(`config reloaded${deps.configVersion === undefined ? '' : ` (version ${deps.configVersion()})`}\n`)
    return reply.code(500).type('text/plain').send(`config reload failed, the previous config stays in use:\n${problem}\n`)
  })
}
