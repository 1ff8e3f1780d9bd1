import t from 'tap'
import { parseDuration } from '../../src/util/duration.js'
import { redactUrl, scrub } from '../../src/util/redact.js'

t.test('token-like query parameters are redacted; known secrets are scrubbed anywhere', async t => {
  t.equal(redactUrl('GET https://h/products?token=abc123&x=1'), 'GET https://h/products?token=REDACTED&x=1')
  t.equal(redactUrl('?Api-Token=a&access_token=b#frag'), '?Api-Token=REDACTED&access_token=REDACTED#frag')
  t.equal(scrub('failed with secret-value-1 in it', ['secret-value-1']), 'failed with REDACTED in it')
  t.equal(scrub('abc short', ['abc']), 'abc short', 'secrets under 4 characters are not scrubbed (would mangle text)')
})

t.test('Prometheus durations', async t => {
  t.equal(parseDuration('1h30m'), 5_400_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('90d'), 90 * 86_400_000)
  t.equal(parseDuration('1w'), 604_800_000)
  for (const bad of ['', '5', '5 minutes', '1.5h', '-1s', 'm5']) t.equal(parseDuration(bad), undefined, bad)
})
