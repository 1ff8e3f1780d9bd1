import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { createHttpTarget, secureContextFor } from '../../src/sources/http.js'
import { ibmSource } from '../../src/sources/ibm/client.js'
import { createLogger } from '../../src/util/logger.js'
import { certs } from '../fixtures/certs.js'
import { tempDir } from '../helpers.js'
import { startSimulator } from '../simulator/server.js'

t.test('one TLS context per file contents: shared by polls, new when a file is rotated', async t => {
  const c = certs()
  const ca = readFileSync(c.caCert)
  const other = readFileSync(c.otherCaCert)
  t.equal(secureContextFor({ ca }), secureContextFor({ ca: Buffer.from(ca) }), 'same contents, same context')
  t.not(secureContextFor({ ca }), secureContextFor({ ca: other }), 'other contents, other context')
  t.not(secureContextFor({ ca }), secureContextFor({ cert: ca }), 'the same bytes in another role, another context')
  t.equal(secureContextFor({}), secureContextFor({}), 'the default context is shared too')

  // A CA file rotated between two polls: the second poll trusts the new CA only.
  const dir = tempDir('license-exporter-ctx-', t)
  const caFile = join(dir, 'ca.pem')
  const sim = await startSimulator({ ocp: { kind: 'ibm', token: 'ctx-token-0001' } }, { tls: { key: readFileSync(c.serverKey), cert: readFileSync(c.serverCert) } })
  t.teardown(() => sim.close())
  const cluster = ibmSource.schema.parse({ name: 'ocp', type: 'ibm_license_service', url: sim.baseUrl('ocp'), tls: { ca_file: caFile } })
  const poll = async (): Promise<string> => {
    const http = createHttpTarget({ url: cluster.url, tls: cluster.tls, maxResponseBytes: 1024 * 1024, timeoutMs: 3000 })
    try {
      await ibmSource.poll(cluster, { signal: AbortSignal.timeout(3000), http, token: 'ctx-token-0001', log: createLogger('silent') })
      return 'ok'
    } catch (err) {
      return (err as { reason?: string }).reason ?? 'error'
    } finally {
      await http.connections.destroy()
    }
  }
  writeFileSync(caFile, ca)
  t.equal(await poll(), 'ok', 'trusted with the right CA')
  t.equal(await poll(), 'ok', 'again, on the cached context')
  writeFileSync(caFile, other)
  t.not(await poll(), 'ok', 'the rotated (wrong) CA applies at the next poll')
  writeFileSync(caFile, ca)
  t.equal(await poll(), 'ok', 'and the right one again')
})
