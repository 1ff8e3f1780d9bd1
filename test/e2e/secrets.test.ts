import t from 'tap'
import { FAKE_CONTACT_EMAIL, FAKE_LICENSE_KEY } from '../simulator/dynatrace.js'
import { startStack } from '../helpers.js'

// Recognisable fake secrets: tokens given inline, from a file and wrong; the license key and contact e-mail
// are in every simulated license body.
const SECRETS = {
  fileToken: 'dt0c01.FAKEFILETOKEN0001.SECRETPART',
  inlineToken: 'dt0c01.FAKEINLINETOKEN0002.SECRETPART',
  rightToken: 'dt0c01.FAKERIGHTTOKEN0003.SECRETPART',
  wrongToken: 'dt0c01.FAKEWRONGTOKEN0004.SECRETPART',
  licenseKey: FAKE_LICENSE_KEY,
  email: FAKE_CONTACT_EMAIL,
}

t.test('no token, license key or contact e-mail in any endpoint or log line', async t => {
  const stack = await startStack(t, {
    'from-file': { scenario: { kind: 'dynatrace', token: SECRETS.fileToken, license: 'overage_quota_reached' } },
    inline: { scenario: { kind: 'dynatrace', token: SECRETS.inlineToken }, tokenAs: 'inline' },
    'wrong-token': { scenario: { kind: 'dynatrace', token: SECRETS.rightToken }, tokenAs: 'none', extra: [`token: ${SECRETS.wrongToken}`] },
    failing: { scenario: { kind: 'dynatrace', token: SECRETS.fileToken, fault: { kind: 'status', status: 500, body: `{"error":"token ${SECRETS.fileToken} rejected"}` } } },
  }, { level: 'debug' })
  await stack.ready()
  t.equal(stack.exporter.store.get('wrong-token')?.lastError?.reason, 'auth', 'the wrong token was refused')
  t.equal(stack.exporter.store.get('from-file')?.up, true)

  const bodies: Record<string, string> = {}
  for (const path of ['/metrics', '/', '/api/v1/clusters', '/readyz', '/healthz']) bodies[path] = (await stack.get(path)).body
  bodies['/metrics (OpenMetrics)'] = (await stack.get('/metrics', { accept: 'application/openmetrics-text' })).body
  bodies['POST /-/reload'] = (await stack.exporter.app.inject({ method: 'POST', url: '/-/reload' })).body
  bodies.logs = stack.logs.text
  t.ok(stack.logs.lines.length > 5, `log output captured (${stack.logs.lines.length} lines)`)
  t.match(bodies.logs, /"reason":"auth"/, 'the auth failure is logged')

  for (const [where, text] of Object.entries(bodies)) {
    for (const [name, secret] of Object.entries(SECRETS)) {
      t.notOk(text.includes(secret), `${name} not in ${where}`)
    }
  }
})
