import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { startExporter } from '../../src/exporter.js'
import { createLogger } from '../../src/util/logger.js'
import { LogCapture, seriesValue, tempDir, waitFor } from '../helpers.js'
import { startSimulator } from '../simulator/server.js'

/** Write a ConfigMap-like volume: `config.yaml -> ..data/config.yaml`, `..data -> <version dir>`, swapped atomically. */
function configMapVolume (dir: string) {
  let n = 0
  const publish = (text: string): void => {
    const version = join(dir, `..2026_11_28_${n++}`)
    mkdirSync(version)
    writeFileSync(join(version, 'config.yaml'), text)
    symlinkSync(version, join(dir, '..data_tmp'))
    renameSync(join(dir, '..data_tmp'), join(dir, '..data')) // the atomic swap Kubernetes does
  }
  return { publish, file: join(dir, 'config.yaml'), link: () => symlinkSync(join('..data', 'config.yaml'), join(dir, 'config.yaml')) }
}

t.test('--config.auto-reload-interval: a ConfigMap swap is picked up without a signal; an invalid one keeps the old config', async t => {
  const sim = await startSimulator({ a: { kind: 'dynatrace', token: 'tok-watch-a1' }, b: { kind: 'dynatrace', token: 'tok-watch-b1' } })
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const volume = configMapVolume(dir)
  const cluster = (name: string): string => `  - { name: ${name}, type: dynatrace_managed, url: "${sim.baseUrl(name)}", token: tok-watch-${name}1 }`
  volume.publish(`clusters:\n${cluster('a')}\n`)
  volume.link()
  const logs = new LogCapture()
  const exporter = await startExporter({ configFile: volume.file, host: '127.0.0.1', port: 0, logger: createLogger('info', logs), autoReloadIntervalMs: 100 })
  t.teardown(async () => { await exporter.close(); await sim.close() })
  await waitFor(() => exporter.store.get('a')?.up === true, 5000, 'a polled')

  volume.publish(`clusters:\n${cluster('a')}\n${cluster('b')}\n`)
  await waitFor(() => exporter.store.get('b')?.up === true, 5000, 'b polled after the swap, no signal sent')
  await exporter.clusterMetrics.refresh()
  const metrics = (): Promise<string> => exporter.clusterMetrics.refresh().then(() => exporter.app.inject({ url: '/metrics' })).then(r => r.body)
  t.equal(seriesValue(await metrics(), 'license_exporter_config_last_reload_successful'), 1)

  volume.publish('clusters:\n  - { name: c, type: nope }\n')
  await waitFor(() => logs.text.includes('config reload failed'), 5000, 'the invalid swap is seen')
  t.equal(seriesValue(await metrics(), 'license_exporter_config_last_reload_successful'), 0, 'reload gauge drops to 0')
  t.same(exporter.config().clusters.map(c => c.name), ['a', 'b'], 'the old config keeps running')
  const failures = logs.lines.filter(l => l.includes('config reload failed')).length
  await new Promise(resolve => setTimeout(resolve, 400))
  t.equal(logs.lines.filter(l => l.includes('config reload failed')).length, failures, 'an unchanged invalid file is not retried')
})

t.test('--config.auto-reload-interval re-reads token files: a rotated token is used without a signal', async t => {
  const sim = await startSimulator({ a: { kind: 'dynatrace', token: 'tok-rotate-old-1' } })
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const tokenFile = join(dir, 'a.token')
  writeFileSync(tokenFile, 'tok-rotate-old-1\n')
  const configFile = join(dir, 'config.yaml')
  writeFileSync(configFile, `global: { interval: 200ms }\nclusters:\n  - { name: a, type: dynatrace_managed, url: "${sim.baseUrl('a')}", token_file: a.token }\n`)
  const exporter = await startExporter({ configFile, host: '127.0.0.1', port: 0, logger: createLogger('silent'), autoReloadIntervalMs: 100 })
  t.teardown(async () => { await exporter.close(); await sim.close() })
  await waitFor(() => exporter.store.get('a')?.up === true, 5000, 'polled with the old token')
  sim.set('a', { kind: 'dynatrace', token: 'tok-rotate-new-2' })
  await waitFor(() => exporter.store.get('a')?.lastError?.reason === 'auth', 5000, 'the vendor rotated the token')
  writeFileSync(tokenFile, 'tok-rotate-new-2\n')
  await waitFor(() => exporter.store.get('a')?.up === true, 5000, 'the new token file is picked up without a signal')
  t.equal(exporter.config().clusters[0]?.token, 'tok-rotate-new-2')
})
