/** retryAtFromHeaders (when a 429 says to come back) and requestPath (how a base URL and an API path join). */
import t from 'tap'
import { requestPath, retryAtFromHeaders } from '../../src/sources/http.js'

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0)
const DAY = 86_400_000

t.test('Retry-After in seconds', async t => {
  t.equal(retryAtFromHeaders({ 'retry-after': '120' }, NOW), NOW + 120_000)
  t.equal(retryAtFromHeaders({ 'retry-after': ' 120 ' }, NOW), NOW + 120_000, 'surrounding blanks')
  t.equal(retryAtFromHeaders({ 'retry-after': '0' }, NOW), NOW, 'zero: now')
  t.equal(retryAtFromHeaders({ 'retry-after': '3600' }, NOW), NOW + 3_600_000, 'an hour')
  t.equal(retryAtFromHeaders({ 'retry-after': '1.5' }, NOW), NOW + 1500)
  t.equal(retryAtFromHeaders({ 'retry-after': ['30', '60'] }, NOW), NOW + 30_000, 'a repeated header: the first')
})

t.test('Retry-After as an HTTP-date, future or past', async t => {
  t.equal(retryAtFromHeaders({ 'retry-after': 'Sat, 28 Nov 2026 13:00:00 GMT' }, NOW), NOW + 3_600_000)
  t.equal(retryAtFromHeaders({ 'retry-after': 'Sat, 28 Nov 2026 11:00:00 GMT' }, NOW), NOW - 3_600_000, 'a past date: due already')
  t.equal(retryAtFromHeaders({ 'retry-after': 'Sun, 29 Nov 2026 06:00:00 GMT' }, NOW), Date.UTC(2026, 10, 29, 6))
})

t.test('X-RateLimit-Reset in micro-, milli- or seconds; only when in the future', async t => {
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String((NOW + 60_000) * 1000) }, NOW), NOW + 60_000, 'microseconds (Dynatrace)')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String(NOW + 60_000) }, NOW), NOW + 60_000, 'milliseconds')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String(NOW / 1000 + 60) }, NOW), NOW + 60_000, 'seconds')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String((NOW - 1000) * 1000) }, NOW), undefined, 'past (microseconds)')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': String(NOW - 1000) }, NOW), undefined, 'past (milliseconds)')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': '-5' }, NOW), undefined, 'negative')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': 'tomorrow' }, NOW), undefined)
  t.equal(retryAtFromHeaders({ 'retry-after': '10', 'x-ratelimit-reset': String((NOW + DAY) * 1000) }, NOW), NOW + 10_000, 'Retry-After wins')
  t.equal(retryAtFromHeaders({ 'retry-after': 'soon', 'x-ratelimit-reset': String((NOW + 60_000) * 1000) }, NOW), NOW + 60_000, 'garbage Retry-After: the reset header')
})

t.test('a wait is at most a day, whatever the vendor sends (no time a Date cannot hold)', async t => {
  t.equal(retryAtFromHeaders({ 'retry-after': '3024000' }, NOW), NOW + DAY, '35 days: one')
  t.equal(retryAtFromHeaders({ 'retry-after': '9'.repeat(400) }, NOW), NOW + DAY, 'beyond a double: one day')
  t.equal(retryAtFromHeaders({ 'retry-after': '99999999999999999' }, NOW), NOW + DAY, 'beyond a Date')
  t.equal(retryAtFromHeaders({ 'retry-after': 'Fri, 31 Dec 9999 23:59:59 GMT' }, NOW), NOW + DAY)
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': '9'.repeat(30) }, NOW), NOW + DAY, 'a reset far away')
  t.equal(retryAtFromHeaders({ 'x-ratelimit-reset': '9'.repeat(400) }, NOW), NOW + DAY, 'a reset beyond a double')
  for (const v of ['3024000', '9'.repeat(400)]) t.doesNotThrow(() => new Date(retryAtFromHeaders({ 'retry-after': v }, NOW)!).toISOString())
})

t.test('garbage and absence give no time', async t => {
  for (const v of ['soon', '', '   ', '1e3', '120s', 'Friday']) t.equal(retryAtFromHeaders({ 'retry-after': v }, NOW), undefined, JSON.stringify(v))
  t.equal(retryAtFromHeaders({}, NOW), undefined)
  t.equal(retryAtFromHeaders({ 'retry-after': undefined }, NOW), undefined)
})

// Date.parse is lenient: it reads "wait 2099" as 1 Jan 2099 and "-5" as May 2001, so a garbage Retry-After
// could pause a cluster for decades (a long Retry-After is honoured on purpose: there is no cap).
t.test('a Retry-After that is neither seconds nor an HTTP-date is ignored', async t => {
  for (const v of ['wait 2099', '-5', '1 2', ' 2099x', '2099-01-01', 'Sun, 06 Nov 1994 08:49:37', 'Sun, 6 Nov 1994 08:49:37 GMT']) {
    t.equal(retryAtFromHeaders({ 'retry-after': v }, NOW), undefined, JSON.stringify(v))
  }
})

t.test('the three HTTP-date forms of RFC 9110 are read, all as GMT', async t => {
  const at = Date.UTC(1994, 10, 6, 8, 49, 37)
  for (const v of ['Sun, 06 Nov 1994 08:49:37 GMT', 'Sunday, 06-Nov-94 08:49:37 GMT', 'Sun Nov  6 08:49:37 1994']) {
    t.equal(retryAtFromHeaders({ 'retry-after': v }, NOW), at, v)
  }
})

t.test('request paths keep the base URL\'s prefix and query', async t => {
  t.equal(requestPath(new URL('https://h/ibm-licensing-service-instance'), '/products', { token: 'x' }), '/ibm-licensing-service-instance/products?token=x')
  t.equal(requestPath(new URL('https://h/prefix///'), '/products'), '/prefix/products', 'trailing slashes of the prefix go')
  t.equal(requestPath(new URL('https://h/'), '/api/cluster/v2/clusterLicense'), '/api/cluster/v2/clusterLicense')
  t.equal(requestPath(new URL('https://h'), '/a'), '/a', 'no path at all')
  t.equal(requestPath(new URL('https://h/p?tenant=t1'), '/a'), '/p/a?tenant=t1', 'the base\'s own query stays')
  t.equal(requestPath(new URL('https://h/p?token=old&x=1'), '/a', { token: 'new' }), '/p/a?token=new&x=1', 'the call\'s query overrides the base\'s')
  t.equal(requestPath(new URL('https://h/'), '/a', { q: 'a b&c=d' }), '/a?q=a+b%26c%3Dd', 'values are encoded')
  t.equal(requestPath(new URL('https://h/'), '/a', { from: '2026-01-01', to: '2026-01-31' }), '/a?from=2026-01-01&to=2026-01-31', 'in the given order')
})
