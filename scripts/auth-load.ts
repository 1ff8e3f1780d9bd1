/**
 * `npm run authload`: with basic auth on (bcrypt cost 10), 50 clients send wrong passwords (different ones,
 * the same one, unknown users) for 10 s while a valid client scrapes /metrics every 500 ms. Prints the valid
 * scrape's latency and the attackers' rate. Loopback only; stops by itself.
 */
import { spawn } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import bcrypt from 'bcryptjs'
import { freePort, tempDir, waitFor } from '../test/helpers.js'
import { startSimulator } from '../test/simulator/server.js'

const DURATION_MS = Number(process.env.AUTHLOAD_SECONDS ?? 10) * 1000
const ATTACKERS = 50
const PASSWORD = 'fake-authload-password-01'
const ROOT = join(import.meta.dirname, '..')

const dir = tempDir('license-exporter-authload-')
const sim = await startSimulator({ a: { kind: 'dynatrace', token: 'authload-token-0001' } })
writeFileSync(join(dir, 'config.yaml'), `clusters:\n  - { name: a, type: dynatrace_managed, url: "${sim.baseUrl('a')}", token: authload-token-0001 }\n`)
writeFileSync(join(dir, 'web.yml'), `basic_auth_users:\n  prometheus: "${bcrypt.hashSync(PASSWORD, 10)}"\n`)
const port = await freePort()
const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), `--config.file=${join(dir, 'config.yaml')}`, `--web.config.file=${join(dir, 'web.yml')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=error'], { stdio: 'inherit' })
const url = `http://127.0.0.1:${port}/metrics`
const auth = (user: string, pass: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` })
try {
  await waitFor(() => fetch(`http://127.0.0.1:${port}/healthz`).then(r => r.ok, () => false), 30_000, 'exporter')
  await fetch(url, { headers: auth('prometheus', PASSWORD) }).then(r => r.arrayBuffer()) // warm the cache
  const timed = async (headers: Record<string, string>): Promise<number> => {
    const start = performance.now()
    await fetch(url, { headers }).then(r => r.arrayBuffer())
    return performance.now() - start
  }
  const known = await timed(auth('prometheus', 'wrong-once'))
  const unknown = await timed(auth('nobody', 'wrong-once'))
  const end = Date.now() + DURATION_MS
  let attacks = 0
  const attacker = async (i: number): Promise<void> => {
    for (let n = 0; Date.now() < end; n++) {
      const kind = i % 3
      const headers = kind === 0 ? auth('prometheus', `wrong-${i}-${n}`) : kind === 1 ? auth('prometheus', 'always-wrong') : auth(`user-${i}-${n}`, 'x')
      await fetch(url, { headers }).then(r => r.arrayBuffer(), () => undefined)
      attacks++
    }
  }
  const valid: number[] = []
  const scraper = async (): Promise<void> => {
    while (Date.now() < end) {
      valid.push(await timed(auth('prometheus', PASSWORD)))
      await new Promise(resolve => setTimeout(resolve, 500))
    }
  }
  await Promise.all([scraper(), ...Array.from({ length: ATTACKERS }, (_, i) => attacker(i))])
  valid.sort((a, b) => a - b)
  const pct = (p: number): number => valid[Math.min(valid.length - 1, Math.floor(p * valid.length))] ?? NaN
  process.stdout.write([
    `one wrong password: known user ${known.toFixed(1)} ms, unknown user ${unknown.toFixed(1)} ms`,
    `${ATTACKERS} attackers for ${DURATION_MS / 1000} s: ${attacks} requests (${(attacks / (DURATION_MS / 1000)).toFixed(0)}/s)`,
    `valid scrape latency over ${valid.length} scrapes: p50 ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${valid.at(-1)?.toFixed(1)} ms`,
  ].join('\n') + '\n')
} finally {
  child.kill('SIGTERM')
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
}
