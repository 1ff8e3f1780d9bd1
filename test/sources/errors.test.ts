/** classifyError: every `reason` label value from the error shapes undici, Node's resolver and TLS throw. */
import t from 'tap'
import { POLL_ERROR_REASONS, PollError, classifyError, reasonForStatus } from '../../src/sources/errors.js'

/** undici's shape: `TypeError: fetch failed` with the system error as `cause`. */
const withCause = (code: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(`inner ${code}`), { code, ...extra }) })
/** An error carrying its code itself (undici's own errors: `UND_ERR_*`). */
const coded = (code: string, message = 'request failed'): Error => Object.assign(new Error(message), { code })

t.test('connection failures are connect, with the code in the message', async t => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']) {
    const e = classifyError(withCause(code), false)
    t.same([e.reason, e.message, e.permanent], ['connect', `connection failed: ${code}`, false], code)
  }
  t.equal(classifyError(coded('UND_ERR_CLOSED'), false).reason, 'connect', 'a code on the error itself')
  t.equal(classifyError(new Error('socket hang up'), false).message, 'connection failed: socket hang up', 'no code: the message')
  t.equal(classifyError('a string was thrown', false).reason, 'connect', 'not even an Error')
})

t.test('a code two causes deep is still found', async t => {
  const deep = Object.assign(new Error('outer'), { cause: Object.assign(new Error('middle'), { cause: coded('CERT_HAS_EXPIRED') }) })
  t.equal(classifyError(deep, false).reason, 'tls')
  t.equal(classifyError(Object.assign(new Error('outer'), { cause: 'a string cause' }), false).reason, 'connect', 'a non-object cause is ignored')
})

t.test('timeouts: undici timers, ETIMEDOUT, aborts; after the deadline everything is a timeout', async t => {
  for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'UND_ERR_ABORTED']) {
    t.same([classifyError(withCause(code), false).reason, classifyError(coded(code), false).reason], ['timeout', 'timeout'], code)
    t.equal(classifyError(withCause(code), false).message, `timed out (${code})`)
  }
  for (const name of ['AbortError', 'TimeoutError']) {
    const before = classifyError(new DOMException('This operation was aborted', name), false)
    t.same([before.reason, before.message], ['timeout', 'timed out (This operation was aborted)'], `${name} without the deadline`)
    const after = classifyError(new DOMException('This operation was aborted', name), true)
    t.same([after.reason, after.message], ['timeout', 'deadline exceeded'], `${name} with the deadline passed`)
  }
  t.equal(classifyError(withCause('ECONNREFUSED'), true).reason, 'timeout', 'the deadline wins over the code')
  t.equal(classifyError(new Error('anything'), true).message, 'deadline exceeded')
})

t.test('TLS: the listed codes, ERR_TLS_/ERR_SSL_ prefixes, and messages naming certificates', async t => {
  for (const code of ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER', 'EPROTO', 'ERR_TLS_HANDSHAKE_TIMEOUT', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']) {
    const e = classifyError(withCause(code), false)
    t.same([e.reason, e.message], ['tls', `TLS error: ${code}`], code)
  }
  t.equal(classifyError(new Error('unable to verify the first certificate'), false).reason, 'tls', 'by message when there is no code')
})

t.test('too large and DNS', async t => {
  t.equal(classifyError(coded('UND_ERR_RES_EXCEEDED_MAX_SIZE'), false).reason, 'too_large')
  t.equal(classifyError(withCause('UND_ERR_RES_EXCEEDED_MAX_SIZE'), false).message, 'response too large')
  const dns = classifyError(Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND', hostname: 'x.invalid' }), false)
  t.same([dns.reason, dns.message, dns.permanent], ['connect', 'DNS lookup of x.invalid failed (ENOTFOUND)', true])
  const nested = classifyError(withCause('EAI_NONAME', { hostname: 'y.invalid' }), false)
  t.same([nested.message, nested.permanent], ['DNS lookup of y.invalid failed (EAI_NONAME)', true], 'host name from the cause')
  const again = classifyError(withCause('EAI_AGAIN'), false)
  t.same([again.message, again.permanent], ['DNS lookup of the host failed (EAI_AGAIN)', false], 'EAI_AGAIN may resolve next time')
})

t.test('a PollError stays as it is', async t => {
  const own = new PollError('auth', 'HTTP 401', { status: 401 })
  t.equal(classifyError(own, true), own)
  t.equal(classifyError(own, false), own)
})

t.test('reasonForStatus table', async t => {
  const table: Array<[number, string]> = [
    [300, 'redirect'], [301, 'redirect'], [302, 'redirect'], [308, 'redirect'], [399, 'redirect'],
    [400, 'http_4xx'], [401, 'auth'], [403, 'auth'], [404, 'not_found'], [405, 'http_4xx'], [410, 'http_4xx'],
    [422, 'http_4xx'], [429, 'rate_limited'], [499, 'http_4xx'],
    [500, 'http_5xx'], [502, 'http_5xx'], [503, 'http_5xx'], [504, 'http_5xx'], [599, 'http_5xx'],
  ]
  for (const [status, reason] of table) t.equal(reasonForStatus(status), reason, String(status))
  t.ok(table.every(([s]) => (POLL_ERROR_REASONS as readonly string[]).includes(reasonForStatus(s))), 'all in the contract list')
})
