import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import type { PollError } from '../../src/sources/errors.js'
import { createLogger } from '../../src/util/logger.js'
import { ibmSource } from '../../src/sources/ibm/client.js'
import { createHttpTarget } from '../../src/sources/http.js'
import { startSimulator } from '../simulator/server.js'
import { tempDir } from '../helpers.js'

// A private CA and a server certificate for 127.0.0.1/localhost, made with openssl for this run.
const dir = tempDir('license-exporter-tls-')
const f = (name: string): string => join(dir, name)
const openssl = (...args: string[]): void => { execFileSync('openssl', args, { stdio: 'pipe' }) }
openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '2', '-subj', '/CN=license-exporter test CA')
openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost')
writeFileSync(f('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n')
openssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'), '-days', '2', '-extfile', f('ext.cnf'))
openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('other.key'), '-out', f('other.pem'), '-days', '2', '-subj', '/CN=other CA')

async function pollTls (t: { teardown (fn: () => unknown): void }, tls: Record<string, unknown>, host = '127.0.0.1') {
  const sim = await startSimulator({ ocp: { kind: 'ibm', token: 'tls-token-0001' } }, { tls: { key: readFileSync(f('server.key')), cert: readFileSync(f('server.pem')) } })
  const url = sim.baseUrl('ocp').replace('127.0.0.1', host)
  const cluster = ibmSource.schema.parse({ name: 'ocp', type: 'ibm_license_service', url, tls })
  const http = createHttpTarget({ url, tls: cluster.tls, maxResponseBytes: 1024 * 1024, timeoutMs: 3000 })
  t.teardown(async () => { await http.connections.destroy(); await sim.close() })
  return ibmSource.poll(cluster, { signal: AbortSignal.timeout(3000), http, token: 'tls-token-0001', log: createLogger('silent') })
    .then(outcome => ({ outcome, error: undefined }), (error: unknown) => ({ outcome: undefined, error: error as PollError }))
}

t.test('HTTPS with a private CA given in ca_file', async t => {
  const { outcome, error } = await pollTls(t, { ca_file: f('ca.pem') })
  t.equal(error, undefined)
  t.ok(outcome?.samples.some(s => s.metric === 'license_usage'))
})

t.test('an unknown CA is a tls error', async t => {
  const { error } = await pollTls(t, {})
  t.equal(error?.reason, 'tls')
  const other = await pollTls(t, { ca_file: f('other.pem') })
  t.equal(other.error?.reason, 'tls')
})

t.test('insecure_skip_verify accepts it (the curl -k of IBM scripts)', async t => {
  const { error } = await pollTls(t, { insecure_skip_verify: true })
  t.equal(error, undefined)
})

t.test('a certificate for another name is a tls error; server_name fixes it', async t => {
  const { error } = await pollTls(t, { ca_file: f('ca.pem'), server_name: 'ibm.example.com' })
  t.equal(error?.reason, 'tls')
  const ok = await pollTls(t, { ca_file: f('ca.pem'), server_name: 'localhost' })
  t.equal(ok.error, undefined)
})

t.test('client certificate files are read (a missing file fails loudly)', async t => {
  t.throws(() => createHttpTarget({ url: 'https://127.0.0.1:1', tls: { insecure_skip_verify: false, cert_file: join(dir, 'missing.pem'), key_file: f('server.key') }, maxResponseBytes: 1, timeoutMs: 1000 }), /ENOENT/)
})
