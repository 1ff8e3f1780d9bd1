/**
 * Poll failures as values. Every failure carries one `reason` from a small fixed set; the reason becomes the
 * `reason` label of `license_cluster_poll_errors_total` and appears in logs and `/api/v1/clusters`.
 */

/** The fixed set of failure reasons (the metric contract's list). */
export const POLL_ERROR_REASONS = [
  'timeout',
  'connect',
  'tls',
  'auth',
  'not_found',
  'http_4xx',
  'http_5xx',
  'rate_limited',
  'invalid_response',
  'too_large',
  'redirect',
] as const

/** One of {@link POLL_ERROR_REASONS}. */
export type PollErrorReason = (typeof POLL_ERROR_REASONS)[number]

/** A failed request or poll. `message` never holds a secret: URLs in it are redacted by the caller. */
export class PollError extends Error {
  override readonly name = 'PollError'
  readonly reason: PollErrorReason
  /** Upstream HTTP status, when there was one. */
  readonly status: number | undefined
  /** When the upstream asked us to wait (429 `Retry-After` / `X-RateLimit-Reset`), as Unix milliseconds. */
  readonly retryAtMs: number | undefined
  /** Another attempt within the same poll would fail the same way (e.g. a host name that does not exist). */
  readonly permanent: boolean

  constructor (reason: PollErrorReason, message: string, opts: { status?: number, retryAtMs?: number, permanent?: boolean } = {}) {
    super(message)
    this.reason = reason
    this.status = opts.status
    this.retryAtMs = opts.retryAtMs
    this.permanent = opts.permanent ?? false
  }
}

/** The reason for an HTTP status that is not a success. */
export function reasonForStatus (status: number): PollErrorReason {
  if (status === 401 || status === 403) return 'auth'
  if (status === 404) return 'not_found'
  if (status === 429) return 'rate_limited'
  if (status >= 300 && status < 400) return 'redirect'
  if (status >= 500) return 'http_5xx'
  return 'http_4xx'
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
])

/** A string property of an error or of the first error in its `cause` chain that has it. */
function fromCauses (err: unknown, key: 'code' | 'hostname'): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const value = (err as Record<string, unknown>)[key]
  if (typeof value === 'string') return value
  const cause = (err as { cause?: unknown }).cause
  return cause === undefined ? undefined : fromCauses(cause, key)
}

const errorCode = (err: unknown): string | undefined => fromCauses(err, 'code')

/** Whether undici's HTTP parser refused the answer (it may carry no code). */
function parserError (err: unknown): boolean {
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { name?: unknown }).name === 'HTTPParserError') return true
  }
  return false
}
/** The host name a resolver error names (Node's `getaddrinfo` errors carry `hostname`). */
const errorHost = (err: unknown): string | undefined => fromCauses(err, 'hostname')

/**
 * Turn anything a request threw into a {@link PollError}. `deadline` tells whether the poll's own deadline
 * had passed, which makes an abort a `timeout`.
 */
export function classifyError (err: unknown, deadline: boolean): PollError {
  if (err instanceof PollError) return err
  const code = errorCode(err) ?? ''
  const msg = err instanceof Error ? err.message : String(err)
  if (deadline || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' ||
      code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT' || code === 'UND_ERR_ABORTED' ||
      (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError'))) {
    return new PollError('timeout', deadline ? 'deadline exceeded' : `timed out (${code || msg})`)
  }
  if (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /certificate|ssl|tls/i.test(msg)) {
    return new PollError('tls', `TLS error: ${code || msg}`)
  }
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return new PollError('too_large', 'response too large')
  // The server answered, but not in HTTP: a parse error, headers over the limit, a body of another length.
  if (code.startsWith('HPE_') || code === 'UND_ERR_HEADERS_OVERFLOW' || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || parserError(err)) {
    return new PollError('invalid_response', `not a valid HTTP answer (${code || msg})`)
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') {
    // A name that does not exist will not resolve on the next attempt of this poll either (EAI_AGAIN may).
    return new PollError('connect', `DNS lookup of ${errorHost(err) ?? 'the host'} failed (${code})`, { permanent: code !== 'EAI_AGAIN' })
  }
  return new PollError('connect', `connection failed: ${code || msg}`)
}
