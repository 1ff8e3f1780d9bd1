import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import t from 'tap'
import { Agent, request } from 'undici'
import { ConfigError } from '../../src/config/load.js'
import { startExporter } from '../../src/exporter.js'
import { createLogger } from '../../src/util/logger.js'
import { loadWebConfig } from '../../src/server/web-config.js'
import { startSimulator } from '../simulator/server.js'
import { LogCapture, tempDir, writeConfig } from '../helpers.js'

const dir = tempDir('license-exporter-web-')
const f = (n: string): string => join(dir, n)
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('key.pem'), '-out', f('cert.pem'), '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'pipe' })
execFileSync('openssl', ['genrsa', '-out', f('other-key.pem'), '2048'], { stdio: 'pipe' })
const PASSWORD = 'fake-scrape-password-0001'
const BEARER = 'fake-scrape-bearer-token-0002'

t.test('TLS + basic auth + bearer token on every endpoint but /healthz', async t => {
  writeFileSync(f('web.yml'), [
    'tls_server_config:', `  cert_file: ${f('cert.pem')}`, `  key_file: ${f('key.pem')}`,
    'basic_auth_users:', `  prometheus: "${bcrypt.hashSync(PASSWORD, 10)}"`,
    `bearer_token: ${BEARER}`,
  ].join('\n') + '\n')
  const sim = await startSimulator({ c: { kind: 'dynatrace', token: 'tok-web-0003' } })
  const configFile = writeConfig(dir, sim, { c: { scenario: { kind: 'dynatrace', token: 'tok-web-0003' } } })
  const logs = new LogCapture()
  const exporter = await startExporter({ configFile, host: '127.0.0.1', port: 0, webConfigFile: f('web.yml'), enableLifecycle: true, logger: createLogger('info', logs) })
  const dispatcher = new Agent({ connect: { ca: readFileSync(f('cert.pem')) } })
  t.teardown(async () => { await exporter.close(); await sim.close(); await dispatcher.close() })
  t.match(exporter.url, /^https:\/\//)
  const get = async (path: string, headers: Record<string, string> = {}, method: 'GET' | 'POST' = 'GET') => {
    const r = await request(`${exporter.url}${path}`, { method, headers, dispatcher })
    const body = await r.body.text()
    return { status: r.statusCode, body, headers: r.headers }
  }
  const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` })

  const anon = await get('/metrics')
  t.equal(anon.status, 401, 'no credentials: 401')
  t.match(String(anon.headers['www-authenticate']), /^Basic realm=/)
  t.equal((await get('/metrics', basic('prometheus', 'wrong'))).status, 401, 'wrong password: 401')
  t.equal((await get('/metrics', basic('nobody', PASSWORD))).status, 401, 'unknown user: 401')
  t.equal((await get('/metrics', { authorization: 'Bearer wrong-token-wrong-token' })).status, 401, 'wrong bearer: 401')
  const ok = await get('/metrics', basic('prometheus', PASSWORD))
  t.equal(ok.status, 200, 'basic auth over TLS: 200')
  t.match(ok.body, /license_exporter_build_info/)
  t.equal((await get('/metrics', basic('prometheus', PASSWORD))).status, 200, 'cached verification: 200')
  t.equal((await get('/metrics', { authorization: `Bearer ${BEARER}` })).status, 200, 'bearer token: 200')
  for (const path of ['/', '/api/v1/clusters', '/api/v1/report', '/readyz']) t.equal((await get(path)).status, 401, `${path} protected`)
  t.equal((await get('/-/reload', {}, 'POST')).status, 401, 'reload protected')
  t.equal((await get('/healthz')).status, 200, '/healthz stays open for liveness probes')
  t.notMatch(logs.text, PASSWORD)
  t.notMatch(logs.text, BEARER)

  // Plain HTTP to the TLS port does not get metrics.
  const plain = await fetch(exporter.url.replace('https', 'http') + '/metrics').then(r => r.status, () => 'refused')
  t.not(plain, 200)
})

t.test('web config errors name the key', async t => {
  const bad = async (text: string): Promise<string[]> => {
    writeFileSync(f('bad.yml'), text)
    const err = await loadWebConfig(f('bad.yml')).then(() => undefined, (e: unknown) => e)
    t.type(err, ConfigError)
    return (err as ConfigError).problems
  }
  t.match(await bad('basic_auth_users: { alice: plaintext }\n'), [/^basic_auth_users\.alice: must be a bcrypt hash/])
  t.match(await bad('tls_server_config: { cert_file: /nonexistent.pem, key_file: /nonexistent.key }\n'), [/^tls_server_config\.cert_file: cannot read/])
  t.match(await bad('bearer_token: short\n'), [/^bearer_token: use at least 16/])
  t.match(await bad('basic_auth: {}\n'), [/^basic_auth: unknown key|Unrecognized key/])
  // bcrypt costs outside 04-31: 32-99 never finish (the start hangs), 00-03 fail every check.
  const hash = bcrypt.hashSync(PASSWORD, 4)
  for (const cost of ['00', '03', '32', '99']) t.match(await bad(`basic_auth_users: { alice: "${hash.replace('$04$', `$${cost}$`)}" }\n`), [/^basic_auth_users\.alice: must be a bcrypt hash of cost 04 to 31/], `cost ${cost}`)
  writeFileSync(f('token-nl'), 'fake-scrape-bearer\ntoken-0003\n')
  t.match(await bad(`bearer_token_file: ${f('token-nl')}\n`), [/^bearer_token: holds a control character/])
  t.match(await bad(`tls_server_config: { cert_file: ${f('cert.pem')}, key_file: ${f('other-key.pem')} }\n`), [/^tls_server_config: the private key does not belong to the certificate/])
})

t.test('web config paths are taken from the web config file\'s directory', async t => {
  const sub = join(dir, 'web')
  execFileSync('mkdir', ['-p', sub])
  writeFileSync(join(sub, 'token'), `${BEARER}\n`)
  writeFileSync(join(sub, 'web.yml'), 'tls_server_config: { cert_file: ../cert.pem, key_file: ../key.pem }\nbearer_token_file: token\n')
  const cwd = process.cwd()
  process.chdir('/')
  t.teardown(() => process.chdir(cwd))
  const loaded = await loadWebConfig(join(sub, 'web.yml'))
  t.equal(loaded.bearerToken, BEARER)
  t.ok(loaded.tls?.cert.equals(readFileSync(f('cert.pem'))))
})
