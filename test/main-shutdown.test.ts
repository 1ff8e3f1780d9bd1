import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { freePort, recordSuiteLog, tempDir, waitFor } from './helpers.js'

const ROOT = join(import.meta.dirname, '..')

t.test('SIGTERM while a client holds a half-sent request: exit 0', async t => {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = join(dir, 'config.yaml')
  writeFileSync(config, 'clusters:\n  - { name: a, type: dynatrace_managed, url: "http://127.0.0.1:9/", token: shutdown-test-token }\n')
  const port = await freePort()
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), `--config.file=${config}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { cwd: ROOT })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr.on('data', (d: Buffer) => { output += d.toString() })
  const exited = new Promise<number | null>(resolve => child.on('close', code => { recordSuiteLog(output); resolve(code) }))
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  await waitFor(() => fetch(`http://127.0.0.1:${port}/healthz`).then(r => r.ok, () => false), 20_000, 'the exporter listening')

  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => undefined)
  await new Promise<void>(resolve => socket.once('connect', () => resolve()))
  socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n') // no blank line: the request stays half-sent
  await new Promise(resolve => setTimeout(resolve, 200))
  child.kill('SIGTERM')
  t.equal(await exited, 0, `exit code 0 (output: ${output})`)
  socket.destroy()
})
