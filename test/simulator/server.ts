/**
 * A local HTTP server that plays any number of vendor clusters. Cluster `name` lives under `/<name>`, so its
 * base URL is `<sim.url>/<name>`. Scenarios can be changed while running (`sim.set`). Used by the tests,
 * the demo and the benchmarks.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http'
import { createServer as createTlsServer } from 'node:https'
import { appendFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { LICENSE_PRESETS, environmentTotal, type LicensePreset } from './dynatrace.js'
import { HTML_UNAUTHORIZED, bundledProducts, health, products, snapshotZip, type ProductRecord } from './ibm.js'

/** Something going wrong on purpose. */
export type Fault =
  | { kind: 'status', status: number, body?: string, contentType?: string, headers?: Record<string, string> }
  | { kind: 'html' }
  | { kind: 'hang' }
  | { kind: 'drip', ms: number }
  | { kind: 'huge', bytes: number }
  | { kind: 'truncated' }
  | { kind: 'redirect', location: string }
  | { kind: 'wrong_shape' }
  | { kind: 'numbers_as_strings' }
  | { kind: 'reset' }
  /** A Content-Length announced, half the body sent, the connection closed. */
  | { kind: 'short_body' }
  /** A header larger than any client accepts. */
  | { kind: 'header_overflow' }
  /** Bytes that are not HTTP at all. */
  | { kind: 'not_http' }

/** A simulated Dynatrace Managed cluster. */
export interface DynatraceScenario {
  kind: 'dynatrace'
  /** The API token the cluster accepts. */
  token: string
  /** A preset name or a literal `ClusterLicense` body. */
  license?: LicensePreset | Record<string, unknown>
  environments?: number
  /** `/rest/health` body (default RUNNING). */
  health?: string
  /** Applies to `/clusterLicense`; the optional endpoints follow `faultAll`. */
  fault?: Fault
  faultAll?: boolean
  /** These optional endpoints answer 404 (an older cluster). */
  missing?: Array<'environment_total' | 'health'>
  /** Added latency per request. */
  latencyMs?: number
  /** Probability (0-1) that a request fails at random (5xx, HTML, reset or slow). */
  flaky?: number
}

/** A simulated IBM License Service instance. */
export interface IbmScenario {
  kind: 'ibm'
  token: string
  /** How the token must arrive (default url_token). */
  auth?: 'url_token' | 'bearer'
  products?: ProductRecord[] | unknown
  bundled?: unknown
  /** Pods with incomplete annotations in `/health`. */
  unannotated?: number
  version?: string
  /** Applies to `/products`; `faultAll` extends it to every endpoint. */
  fault?: Fault
  faultAll?: boolean
  /** These optional endpoints answer 404 (an older version). */
  missing?: Array<'bundled_products' | 'health' | 'version'>
  /** What `/snapshot` answers. */
  snapshot?: 'zip' | 'corrupt' | Fault
  /** Day (index into the snapshot's 90 days) on which this cluster's daily usage peaks. */
  peakDay?: number
  /** The License Service's own "today" for the snapshot's daily data (default: now). */
  snapshotTodayMs?: number
  latencyMs?: number
  /** Probability (0-1) that a request fails at random (5xx, HTML, reset or slow). */
  flaky?: number
}

/** Any simulated cluster. */
export type Scenario = DynatraceScenario | IbmScenario

/** A request the simulator saw (for assertions about headers sent). */
export interface SeenRequest {
  cluster: string
  path: string
  headers: IncomingMessage['headers']
}

/** A running simulator. */
export interface Simulator {
  readonly url: string
  readonly server: Server
  /** Base URL of a cluster. */
  baseUrl (name: string): string
  set (name: string, scenario: Scenario): void
  get (name: string): Scenario | undefined
  readonly requests: SeenRequest[]
  /** Most `/snapshot` requests answered at the same time so far. */
  readonly snapshotPeak: number
  close (): Promise<void>
}

/** With LICENSE_EXPORTER_TEST_LOG_DIR set, every token the simulator is given is recorded as a secret to grep for. */
export function recordSecret (secret: string): void {
  const dir = process.env.LICENSE_EXPORTER_TEST_LOG_DIR
  if (dir !== undefined) appendFileSync(join(dir, `${process.pid}.secrets`), `${secret}\n`)
}

const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

function json (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}

function dtError (res: ServerResponse, status: number, message: string): void {
  json(res, status, { error: { code: status, message, constraintViolations: [] } })
}

async function playFault (fault: Fault, res: ServerResponse, body: unknown): Promise<void> {
  switch (fault.kind) {
    case 'status': {
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'application/json', ...fault.headers })
      res.end(fault.body ?? JSON.stringify({ error: { code: fault.status, message: 'simulated failure' } }))
      return
    }
    case 'html':
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html><body><h1>Gateway</h1><div>Message: <b>Service temporarily unavailable</b></div></body></html>')
      return
    case 'hang':
      return // never answer; the client's deadline must end it
    case 'drip': {
      res.writeHead(200, { 'content-type': 'application/json' })
      const text = JSON.stringify(body)
      const step = Math.max(1, Math.floor(fault.ms / text.length))
      for (const ch of text) {
        if (res.destroyed) return
        res.write(ch)
        await sleep(step)
      }
      res.end()
      return
    }
    case 'huge': {
      res.writeHead(200, { 'content-type': 'application/json' })
      const chunk = Buffer.alloc(64 * 1024, 0x20)
      res.write('{"pad":"')
      for (let sent = 0; sent < fault.bytes && !res.destroyed; sent += chunk.length) {
        if (!res.write(chunk)) await new Promise(resolve => res.once('drain', resolve))
      }
      res.end('"}')
      return
    }
    case 'truncated': {
      const text = JSON.stringify(body)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(text.slice(0, Math.floor(text.length / 2)))
      return
    }
    case 'redirect':
      res.writeHead(302, { location: fault.location })
      res.end()
      return
    case 'wrong_shape':
      // The opposite of what the endpoint returns: an object for IBM's lists, a list for Dynatrace's objects.
      json(res, 200, Array.isArray(body) ? { products: body } : [{ unexpected: true }])
      return
    case 'numbers_as_strings':
      json(res, 200, Array.isArray(body)
        ? body.map(r => ({ ...(r as Record<string, unknown>), metricQuantity: String((r as { metricQuantity?: unknown }).metricQuantity) }))
        : { ...(body as Record<string, unknown>), usageOfDduUnits: { quota: '1000', usage: '10', usageStatus: 'USING_QUOTA' } })
      return
    case 'reset':
      res.socket?.destroy()
      return
    case 'short_body': {
      const text = JSON.stringify(body)
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) })
      res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy())
      return
    }
    case 'header_overflow':
      res.writeHead(200, { 'content-type': 'application/json', 'x-padding': 'x'.repeat(70 * 1024) })
      res.end(JSON.stringify(body))
      return
    case 'not_http':
      res.socket?.end('SSH-2.0-OpenSSH_9.6 this is not HTTP\r\n\r\n')
  }
}

async function handleDynatrace (s: DynatraceScenario, rest: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (s.latencyMs !== undefined) await sleep(s.latencyMs)
  const license = typeof s.license === 'object' ? s.license : LICENSE_PRESETS[s.license ?? 'healthy']()
  const authorized = req.headers.authorization === `Api-Token ${s.token}`
  if (rest === '/rest/health') {
    if (s.missing?.includes('health')) return dtError(res, 404, 'Not Found')
    if (s.fault !== undefined && s.faultAll === true) return playFault(s.fault, res, 'RUNNING')
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(s.health ?? 'RUNNING')
    return
  }
  if (rest === '/api/cluster/v2/clusterLicense' || rest === '/api/cluster/v2/clusterLicense/environment/total') {
    const isEnv = rest.endsWith('/environment/total')
    if (isEnv && s.missing?.includes('environment_total')) return dtError(res, 404, 'Not Found')
    if (s.fault !== undefined && (!isEnv || s.faultAll === true)) return playFault(s.fault, res, license)
    if (req.headers.authorization === undefined || !authorized) return dtError(res, 401, 'Missing or invalid authorization')
    return json(res, 200, isEnv ? environmentTotal(s.environments ?? 3) : license)
  }
  dtError(res, 404, 'Not Found')
}

function html (res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html;charset=utf-8' })
  res.end(body)
}

async function handleIbm (cluster: string, s: IbmScenario, rest: string, url: URL, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (s.latencyMs !== undefined) await sleep(s.latencyMs)
  const given = (s.auth ?? 'url_token') === 'bearer' ? req.headers.authorization : url.searchParams.get('token')
  const expected = (s.auth ?? 'url_token') === 'bearer' ? `Bearer ${s.token}` : s.token
  const authorized = given === expected
  if (rest === '/version') {
    if (s.missing?.includes('version')) return html(res, 404, '<html><body>Not Found</body></html>')
    if (s.fault !== undefined && s.faultAll === true) return playFault(s.fault, res, {})
    return json(res, 200, { version: s.version ?? '4.2.9', buildDate: '2026-10-01T10:00:00Z', commit: 'a1b2c3d' })
  }
  const known = ['/products', '/bundled_products', '/health', '/snapshot']
  if (!known.includes(rest)) return html(res, 404, '<html><body>Not Found</body></html>')
  const optional = rest === '/bundled_products' || rest === '/health'
  if (optional && s.missing?.includes(rest.slice(1) as 'bundled_products' | 'health')) return html(res, 404, '<html><body>Not Found</body></html>')
  if (s.fault !== undefined && (rest === '/products' || s.faultAll === true)) return playFault(s.fault, res, s.products ?? products())
  if (!authorized) return html(res, 401, HTML_UNAUTHORIZED)
  switch (rest) {
    case '/products': return json(res, 200, s.products ?? products())
    case '/bundled_products': return json(res, 200, s.bundled ?? bundledProducts())
    case '/health': return json(res, 200, health(s.unannotated ?? 0))
    default: {
      const snap = s.snapshot ?? 'zip'
      if (typeof snap === 'object') return playFault(snap, res, {})
      const zip = snapshotZip(cluster, { records: Array.isArray(s.products) ? s.products as ProductRecord[] : products(), ...(s.peakDay !== undefined ? { peakDay: s.peakDay } : {}), ...(s.snapshotTodayMs !== undefined ? { todayMs: s.snapshotTodayMs } : {}) })
      const body = snap === 'zip' ? zip : zip.subarray(0, 60)
      res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="snapshot.zip"', 'content-length': body.length })
      res.end(body)
    }
  }
}

const RANDOM_FAULTS: Fault[] = [
  { kind: 'status', status: 500 }, { kind: 'status', status: 503 }, { kind: 'html' }, { kind: 'reset' }, { kind: 'drip', ms: 3000 },
]

/** A random fault for a `flaky` scenario, or undefined for a normal answer. */
function randomFault (s: Scenario): Fault | undefined {
  if (s.flaky === undefined || Math.random() >= s.flaky) return undefined
  return RANDOM_FAULTS[Math.floor(Math.random() * RANDOM_FAULTS.length)]
}

/** Start a simulator on a loopback port. */
export async function startSimulator (clusters: Record<string, Scenario> = {}, opts: { port?: number, host?: string, tls?: { key: string | Buffer, cert: string | Buffer } } = {}): Promise<Simulator> {
  const scenarios = new Map(Object.entries(clusters))
  for (const sc of scenarios.values()) recordSecret(sc.token)
  const requests: SeenRequest[] = []
  const snapshots = { now: 0, peak: 0 }
  const handler: RequestListener = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim')
    const m = /^\/([^/]+)(\/.*)?$/.exec(url.pathname)
    const name = m?.[1] ?? ''
    const rest = m?.[2] ?? '/'
    const scenario = scenarios.get(name)
    if (requests.length < 10_000) requests.push({ cluster: name, path: `${rest}${url.search}`, headers: req.headers })
    if (rest.startsWith('/snapshot')) {
      snapshots.peak = Math.max(snapshots.peak, ++snapshots.now)
      res.on('close', () => { snapshots.now-- })
    }
    if (scenario === undefined) return dtError(res, 404, `no simulated cluster "${name}"`)
    const fault = randomFault(scenario)
    const effective: Scenario = fault === undefined ? scenario : { ...scenario, fault, faultAll: true }
    const work = effective.kind === 'ibm' ? handleIbm(name, effective, rest, url, req, res) : handleDynatrace(effective, rest, req, res)
    work.catch(() => res.destroy())
  }
  const server = opts.tls === undefined ? createServer(handler) : createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
  // nginx's default (Dynatrace Managed sits behind nginx). undici reuses a connection only when the advertised
  // keep-alive exceeds its 2 s threshold: with Node's 5 s it would, with 1 s every request opened a connection.
  server.keepAliveTimeout = 75_000
  const host = opts.host ?? '127.0.0.1'
  await new Promise<void>(resolve => server.listen(opts.port ?? 0, host, resolve))
  const { port } = server.address() as AddressInfo
  const url = `${opts.tls === undefined ? 'http' : 'https'}://${host}:${port}`
  return {
    url,
    server,
    requests,
    get snapshotPeak () { return snapshots.peak },
    baseUrl: name => `${url}/${name}`,
    set: (name, scenario) => { recordSecret(scenario.token); scenarios.set(name, scenario) },
    get: name => scenarios.get(name),
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
  }
}
