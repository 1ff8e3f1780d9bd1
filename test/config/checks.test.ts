/**
 * What loads must work: settings that pass the schema but would fail at run time are config errors (so
 * `--check-config` refuses them): a stale_after set shorter than the interval (unset, it follows it), control characters in tokens, TLS files
 * that do not parse or a key that is not the certificate's.
 */
import { writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import t from 'tap'
import { parseConfig } from '../../src/config/load.js'
import { effectiveSettings } from '../../src/config/schema.js'
import { certs } from '../fixtures/certs.js'
import { tempDir } from '../helpers.js'

const problems = async (yaml: string, dir = '/tmp'): Promise<string> => {
  try {
    await parseConfig(yaml, join(dir, 'config.yaml'), {})
    return ''
  } catch (err) {
    return (err as Error).message
  }
}
const dt = (extra = ''): string => `  - { name: dt, type: dynatrace_managed, url: "https://dt.example", token: dt-token-123${extra} }\n`

t.test('stale_after: unset, it follows the interval; set, it must be longer than the interval', async t => {
  t.equal(await problems(`global: { interval: 20m }\nclusters:\n${dt()}`), '', 'unset: three intervals')
  t.equal(await problems(`clusters:\n${dt(', interval: 1h')}`), '')
  t.match(await problems(`global: { interval: 20m, stale_after: 15m }\nclusters:\n${dt()}`), /global\.interval: stale_after \(15m\) must be longer than interval \(20m\) for cluster "dt"/)
  t.match(await problems(`global: { stale_after: 15m }\nclusters:\n${dt(', interval: 1h')}`), /clusters\[0\]\.interval: stale_after \(15m\) must be longer than interval \(1h\)/)
  t.match(await problems(`clusters:\n${dt(', interval: 10m, stale_after: 10m')}`), /clusters\[0\]\.stale_after: .*must be longer/)
  t.equal(await problems(`clusters:\n${dt(', interval: 1h, stale_after: 3h')}`), '', 'a long interval with its stale_after')
  const config = await parseConfig(`clusters:\n${dt(', interval: 1h')}${dt().replace('name: dt', 'name: dt2').replace('dt.example', 'dt2.example')}`, 'x.yaml', {})
  t.same(config.clusters.map(c => effectiveSettings(c, config.global).staleAfterMs), [3 * 3_600_000, 15 * 60_000], 'three intervals, or 15m')
})

t.test('tokens: a trailing line break of a file is dropped; one inside a token is refused', async t => {
  const dir = tempDir('license-exporter-test-', t)
  writeFileSync(join(dir, 'good'), 'dt-token-123\n')
  writeFileSync(join(dir, 'bad'), 'dt-token\n-123\n')
  const file = (f: string): string => `  - { name: dt, type: dynatrace_managed, url: "https://dt.example", token_file: ${f} }\n`
  t.equal(await problems(`clusters:\n${file('good')}`, dir), '')
  const bad = await problems(`clusters:\n${file('bad')}`, dir)
  t.match(bad, /clusters\[0\]\.token_file: file .*bad holds a control character/)
  t.notMatch(bad, /dt-token/, 'the token is not quoted')
  t.match(await problems('clusters:\n  - { name: dt, type: dynatrace_managed, url: "https://dt.example", token: "dt-token\\n123" }\n'), /clusters\[0\]\.token: holds a control character/)
})

t.test('TLS files that do not parse, or a key of another certificate, are config errors', async t => {
  const c = certs()
  const dir = tempDir('license-exporter-test-', t)
  writeFileSync(join(dir, 'garbage.pem'), 'not a certificate\n')
  writeFileSync(join(dir, 'broken.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')
  const tls = (t: string): string => `  - { name: dt, type: dynatrace_managed, url: "https://dt.example", token: dt-token-123, tls: { ${t} } }\n`
  t.equal(await problems(`clusters:\n${tls(`ca_file: ${c.caCert}, cert_file: ${c.serverCert}, key_file: ${c.serverKey}`)}`), '', 'good files')
  t.match(await problems(`clusters:\n${tls(`ca_file: ${join(dir, 'garbage.pem')}`)}`), /clusters\[0\]\.tls\.ca_file: holds no PEM certificate/)
  t.match(await problems(`clusters:\n${tls(`ca_file: ${join(dir, 'broken.pem')}`)}`), /clusters\[0\]\.tls\.ca_file: certificate 1 of 1 does not parse/)
  t.match(await problems(`clusters:\n${tls(`cert_file: ${c.serverCert}, key_file: ${join(dirname(c.caCert), 'ca.key')}`)}`), /clusters\[0\]\.tls\.cert_file: the private key does not belong to the certificate/)
  t.match(await problems(`clusters:\n${tls(`cert_file: ${join(dir, 'garbage.pem')}, key_file: ${c.serverKey}`)}`), /clusters\[0\]\.tls\.cert_file: the certificate or its key does not parse/)
})
