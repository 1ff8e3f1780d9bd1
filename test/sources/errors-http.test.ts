import t from 'tap'
import { PollError, classifyError, reasonForStatus } from '../../src/sources/errors.js'
import { requestPath, retryAtFromHeaders } from '../../src/sources/http.js'

t.test('every failure gets its reason', async t => {
  const withCause = (code: string): Error => Object.assign(new Error('fetch failed'), { cause: Object.assign(new Error('inner'), { code }) })
  t.equal(classifyError(withCause('ECONNREFUSED'), false).reason, 'connect')
  t.equal(classifyError(withCause('UND_ERR_HEADERS_TIMEOUT'), false).reason, 'timeout')
  t.equal(classifyError(withCause('DEPTH_ZERO_SELF_SIGNED_CERT'), false).reason, 'tls')
  t.equal(classifyError(withCause('UND_ERR_RES_EXCEEDED_MAX_SIZE'), false).reason, 'too_large')
  t.equal(classifyError(new DOMException('aborted', 'AbortError'), true).message, 'deadline exceeded')
  t.equal(classifyError(new Error('anything'), true).reason, 'timeout', 'after the deadline everything is a timeout')
  const dns = classifyError(Object.assign(new Error('getaddrinfo ENOTFOUND x.invalid'), { code: 'ENOTFOUND', hostname: 'x.invalid' }), false)
  t.same([dns.reason, dns.message, dns.permanent], ['connect', 'DNS lookup of x.invalid failed (ENOTFOUND)', true])
  const own = new PollError('auth', 'HTTP 401')
  t.equal(classifyError(own, true), own, 'a PollError stays as it is')
  t.same([401, 403, 404, 429, 302, 503, 422].map(reasonForStatus), ['auth', 'auth', 'not_found', 'rate_limited', 'redirect', 'http_5xx', 'http_4xx'])
})

t.test('Retry-After in seconds or as a date, else X-RateLimit-Reset in micro-, milli- or seconds', async t => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0)
  t.equal(retryAtFromHeaders({ 'retry-after': '120' }, now), now + 120_000)
  t.equal(retryAtFromHeaders({ 'retry-after': '3024000' }, now), now + 35 * 86_400_000)
  t.equal(retryAtFromHeaders({ 'retry-after': 'Sat, 28 Nov 2026 13:00:00 GMT' }, now), now + 3_600_000)
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String((now + 60_000) * 1000) }, now), now + 60_000, 'microseconds (Dynatrace)')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String(now / 1000 + 60) }, now), now + 60_000, 'seconds')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String(now - 1000) }, now), undefined, 'in the past')
  t.equal(retryAtFromHeaders({ 'retry-after': 'soon' }, now), undefined)
  t.equal(retryAtFromHeaders({}, now), undefined)
})

t.test('request paths keep the base URL\'s prefix and query', async t => {
  t.equal(requestPath(new URL('https://h/ibm-licensing-service-instance'), '/products', { token: 'x' }), '/ibm-licensing-service-instance/products?token=x')
  t.equal(requestPath(new URL('https://h/'), '/api/cluster/v2/clusterLicense'), '/api/cluster/v2/clusterLicense')
})
