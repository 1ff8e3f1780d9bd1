/** Redaction: token-like query parameters in URLs and text, and known secrets anywhere. */
import t from 'tap'
import { redactUrl, scrub } from '../../src/util/redact.js'

t.test('token-like query parameters are redacted, any case, other parameters kept', async t => {
  t.equal(redactUrl('GET https://h/products?token=abc123&x=1'), 'GET https://h/products?token=REDACTED&x=1')
  t.equal(redactUrl('?Api-Token=a&access_token=b#frag'), '?Api-Token=REDACTED&access_token=REDACTED#frag')
  t.equal(redactUrl('https://h/a?x=1&APIKEY=k1&api_token=k2&TOKEN=k3'), 'https://h/a?x=1&APIKEY=REDACTED&api_token=REDACTED&TOKEN=REDACTED')
  t.equal(redactUrl('url "https://h/a?token=s3cr3t" failed'), 'url "https://h/a?token=REDACTED" failed', 'stops at a quote')
  t.equal(redactUrl("'https://h/a?token=s3cr3t'"), "'https://h/a?token=REDACTED'")
  t.equal(redactUrl('https://h/a?token=s3cr3t next'), 'https://h/a?token=REDACTED next', 'stops at a blank')
  t.equal(redactUrl('https://h/a?token='), 'https://h/a?token=REDACTED', 'empty value')
  t.equal(redactUrl('https://h/a?mytoken=keep&tokens=keep'), 'https://h/a?mytoken=keep&tokens=keep', 'only whole parameter names')
  t.equal(redactUrl('/token=notaquery'), '/token=notaquery', 'not after ? or &')
  t.equal(redactUrl('no url here'), 'no url here')
})

t.test('scrub removes known secrets anywhere, every time, and redacts URLs too', async t => {
  t.equal(scrub('failed with secret-value-1 in it', ['secret-value-1']), 'failed with REDACTED in it')
  t.equal(scrub('s3cr3t and s3cr3t again', ['s3cr3t']), 'REDACTED and REDACTED again')
  t.equal(scrub('a=one-secret b=two-secret', ['one-secret', 'two-secret']), 'a=REDACTED b=REDACTED')
  t.equal(scrub('https://h/?token=t0k3n-in-url', []), 'https://h/?token=REDACTED')
  t.equal(scrub('abc short', ['abc']), 'abc short', 'secrets under 4 characters are not scrubbed (would mangle text)')
  t.equal(scrub('abcd', ['abcd']), 'REDACTED', '4 characters are')
  t.equal(scrub('nothing here', ['not-present']), 'nothing here')
})
