/** The test helpers clean up after themselves: temporary directories go at teardown, exit, and on signals. */
import { spawn } from 'node:child_process'
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir, waitFor } from './helpers.js'

const HELPERS = join(import.meta.dirname, 'helpers.ts')

t.test('with a test given, the directory goes at its teardown', async t => {
  let dir = ''
  await t.test('inner', async tt => {
    dir = tempDir('license-exporter-helpers-', tt)
    writeFileSync(join(dir, 'x.token'), 'secret\n')
    t.ok(existsSync(dir))
  })
  t.notOk(existsSync(dir), 'removed when the inner test ended')
})

/** Run a child that makes a temp dir through the helpers and prints its path, then ends as `how` says. */
async function child (how: 'exit' | 'SIGTERM' | 'SIGINT' | 'throw'): Promise<{ dir: string, code: number | null, signal: NodeJS.Signals | null }> {
  const script = [
    'import { writeFileSync } from \'node:fs\'',
    `import { tempDir } from ${JSON.stringify(HELPERS)}`,
    'const dir = tempDir(\'license-exporter-helpers-\')',
    'writeFileSync(dir + \'/a.token\', \'secret\')',
    'console.log(dir)',
    how === 'exit' ? 'process.exit(3)' : how === 'throw' ? 'setTimeout(() => { throw new Error(\'boom\') }, 10)' : 'setInterval(() => {}, 1000)',
  ].join('\n')
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
  proc.stderr.resume()
  const ended = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>(resolve => proc.on('exit', (code, signal) => resolve({ code, signal })))
  const dir = await waitFor(() => /^(\/\S+)$/m.exec(out)?.[1], 20_000, 'the child to make its directory')
  if (how === 'SIGTERM' || how === 'SIGINT') proc.kill(how)
  return { dir, ...(await ended) }
}

t.test('directories go when the process exits', async t => {
  const r = await child('exit')
  t.equal(r.code, 3)
  t.notOk(existsSync(r.dir))
})

t.test('directories go on an uncaught exception', async t => {
  const r = await child('throw')
  t.equal(r.code, 1)
  t.notOk(existsSync(r.dir))
})

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  t.test(`directories go on ${signal}, and the process still ends by the signal`, async t => {
    const r = await child(signal)
    t.equal(r.signal, signal, 'ended by the signal, not kept alive by the handler')
    t.notOk(existsSync(r.dir))
  })
}
