/**
 * HTTP for sources: the connections of a poll to its cluster, explicit timeouts, no redirects, a response-size cap and
 * error statuses turned into {@link PollError}s. Messages carry paths with tokens redacted.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext, type SecureContext } from 'node:tls'
import { Connections } from './connections.js'
import { PollError, classifyError, reasonForStatus } from './errors.js'
import type { TlsConfig } from './cluster.js'
import { redactUrl } from '../util/redact.js'

/** A cluster's base URL, connections and limits. */
export interface HttpTarget {
  readonly baseUrl: URL
  readonly connections: Connections
  readonly maxResponseBytes: number
}

/** Options for creating a {@link HttpTarget}. */
export interface HttpTargetOptions {
  url: string
  tls: TlsConfig
  maxResponseBytes: number
  /** Upper bound for undici's own header and body timeouts; the poll deadline is the real limit. */
  timeoutMs: number
  connections?: number
}

/** TLS contexts by the contents of their files: built once, shared by every connection and poll that uses them. */
const contexts = new Map<string, SecureContext>()
/** At most this many contexts are kept (clusters usually share a handful of CAs); the oldest goes first. */
const MAX_CONTEXTS = 64

/**
 * The TLS context for these files' contents. Without it Node builds one per connection (about 0.2 ms of CPU
 * each, parsing the CA again): with new connections at every poll, that is a share of each poll's cost.
 * Keyed by contents, not paths, so rotated files get a new context at the next poll.
 */
export function secureContextFor (files: { ca?: Buffer, cert?: Buffer, key?: Buffer }): SecureContext {
  const hash = createHash('sha256')
  for (const part of [files.ca, files.cert, files.key]) {
    hash.update(part === undefined ? '-' : `${part.length}:`)
    if (part !== undefined) hash.update(part)
  }
  const key = hash.digest('base64')
  let ctx = contexts.get(key)
  if (ctx === undefined) {
    ctx = createSecureContext(files)
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value as string)
    contexts.set(key, ctx)
  }
  return ctx
}

/** Create the connections for one cluster (for one poll). Reads the TLS files now (so a reload, or the next poll, picks up rotated files). */
export function createHttpTarget (opts: HttpTargetOptions): HttpTarget {
  const baseUrl = new URL(opts.url)
  const tls = opts.tls
  const secure = baseUrl.protocol === 'https:'
    ? {
        secureContext: secureContextFor({
          ...(tls.ca_file !== undefined ? { ca: readFileSync(tls.ca_file) } : {}),
          ...(tls.cert_file !== undefined ? { cert: readFileSync(tls.cert_file) } : {}),
          ...(tls.key_file !== undefined ? { key: readFileSync(tls.key_file) } : {}),
        }),
      }
    : {}
  const connections = new Connections(baseUrl.origin, {
    max: opts.connections ?? 4,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
    keepAliveTimeout: 30_000,
    connect: {
      timeout: Math.min(opts.timeoutMs, 10_000),
      rejectUnauthorized: !tls.insecure_skip_verify,
      ...secure,
      ...(tls.server_name !== undefined ? { servername: tls.server_name } : {}),
    },
  })
  return { baseUrl, connections, maxResponseBytes: opts.maxResponseBytes }
}

/** A request relative to the cluster's base URL (its path prefix is kept). */
export interface GetOptions {
  path: string
  query?: Record<string, string>
  headers?: Record<string, string>
  signal: AbortSignal
}

/** A response that passed status and size checks. */
export interface HttpResponse {
  status: number
  contentType: string
  body: Buffer
}

/** Join the base URL's path prefix and an API path, keeping the base's own query. */
export function requestPath (base: URL, path: string, query: Record<string, string> = {}): string {
  const prefix = base.pathname.replace(/\/+$/, '')
  const params = new URLSearchParams(base.search)
  for (const [k, v] of Object.entries(query)) params.set(k, v)
  const qs = params.toString()
  return `${prefix}${path}${qs === '' ? '' : `?${qs}`}`
}

function header (headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
/**
 * The three forms of an HTTP-date (RFC 9110 5.6.7): IMF-fixdate, the obsolete RFC 850 form and asctime. Only
 * these are dates: `Date.parse` alone reads "wait 2099" as 1 January 2099, which would pause a cluster for decades.
 */
const HTTP_DATE = new RegExp([
  `^${DAY}, \\d{2} ${MONTH} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT$`,
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \\d{2}-${MONTH}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT$`,
  `^${DAY} ${MONTH} [ \\d]\\d \\d{2}:\\d{2}:\\d{2} \\d{4}$`,
].join('|'))

/** The longest wait a vendor can ask for: a later `Retry-After` or reset is cut to this (one day). */
export const MAX_RETRY_AFTER_MS = 86_400_000

/**
 * When a 429 says to come back: `Retry-After` (seconds or an HTTP-date), else `X-RateLimit-Reset`
 * (microseconds), at most {@link MAX_RETRY_AFTER_MS} from now (a wrong or hostile value cannot stop a cluster's
 * polls for longer, nor give a time a `Date` cannot hold).
 */
export function retryAtFromHeaders (headers: Record<string, string | string[] | undefined>, nowMs: number): number | undefined {
  const at = askedRetryAt(headers, nowMs)
  // An Infinity (digits beyond a double) is cut like any far time.
  return at === undefined ? undefined : Math.min(at, nowMs + MAX_RETRY_AFTER_MS)
}

function askedRetryAt (headers: Record<string, string | string[] | undefined>, nowMs: number): number | undefined {
  const retryAfter = header(headers, 'retry-after')?.trim()
  if (retryAfter !== undefined && retryAfter !== '') {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return nowMs + Number(retryAfter) * 1000
    // asctime has no zone: it is GMT (Date.parse would read it as local time).
    const date = HTTP_DATE.test(retryAfter) ? Date.parse(retryAfter.endsWith('GMT') ? retryAfter : `${retryAfter} GMT`) : Number.NaN
    if (!Number.isNaN(date)) return date
  }
  const reset = header(headers, 'x-ratelimit-reset')?.trim()
  if (reset !== undefined && /^\d+$/.test(reset)) {
    const n = Number(reset)
    // Dynatrace sends microseconds; be tolerant of milliseconds and seconds too.
    const ms = n > 1e14 ? n / 1000 : n > 1e11 ? n : n * 1000
    if (ms > nowMs) return ms
  }
  return undefined
}

/**
 * GET a path of the target. Non-2xx statuses become a {@link PollError} with the reason for the status;
 * a body over the size cap is aborted with `too_large`. Redirects are never followed.
 */
export async function httpGet (target: HttpTarget, opts: GetOptions): Promise<HttpResponse> {
  const path = requestPath(target.baseUrl, opts.path, opts.query)
  /** The path as messages show it (computed only for an error). */
  const shown = (): string => redactUrl(opts.path)
  let res
  try {
    res = await target.connections.request({ method: 'GET', path, headers: opts.headers ?? {}, signal: opts.signal })
  } catch (err) {
    throw classifyError(err, opts.signal.aborted)
  }
  const status = res.statusCode
  if (status < 200 || status >= 300) {
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined)
    const reason = reasonForStatus(status)
    const retryAtMs = status === 429 ? retryAtFromHeaders(res.headers, Date.now()) : undefined
    const what = reason === 'redirect' ? ' (redirects are not followed)' : ''
    throw new PollError(reason, `GET ${shown()}: HTTP ${status}${what}`, {
      status, ...(retryAtMs !== undefined ? { retryAtMs } : {}),
    })
  }
  const declared = Number(header(res.headers, 'content-length') ?? Number.NaN)
  if (declared > target.maxResponseBytes) {
    res.body.destroy()
    throw new PollError('too_large', `GET ${shown()}: response of ${declared} bytes exceeds the ${target.maxResponseBytes}-byte cap`, { status })
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer
      size += buf.length
      if (size > target.maxResponseBytes) {
        res.body.destroy()
        throw new PollError('too_large', `GET ${shown()}: response exceeds the ${target.maxResponseBytes}-byte cap`, { status })
      }
      chunks.push(buf)
    }
  } catch (err) {
    const pe = classifyError(err, opts.signal.aborted)
    if (pe.reason !== 'connect') throw pe
    // The status line and headers came: a body that stops (shorter than announced, the connection closed) is
    // a broken answer, not a connection failure.
    throw new PollError('invalid_response', `GET ${shown()}: the answer was cut short after ${size} bytes${Number.isFinite(declared) ? ` of ${declared}` : ''} (${pe.message})`, { status })
  }
  return { status, contentType: header(res.headers, 'content-type') ?? '', body: Buffer.concat(chunks, size) }
}

/** Parse a response body as JSON, or fail with `invalid_response` naming what came instead. */
export function parseJsonBody (res: HttpResponse, what: string): unknown {
  const text = res.body.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    const kind = /^\s*</.test(text) ? 'an HTML/XML page' : text.trim() === '' ? 'an empty body' : 'not valid JSON'
    throw new PollError('invalid_response', `${what}: response is ${kind} (content-type ${res.contentType || 'none'})`, { status: res.status })
  }
}
