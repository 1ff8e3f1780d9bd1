/**
 * After `npm test`: grep the log output of the whole suite (LICENSE_EXPORTER_TEST_LOG_DIR, default
 * .test-logs) for every secret the fixtures used (tokens given to the simulator, license keys, e-mails).
 * Exits 1 on any hit, naming the file and the secret's first characters only.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { FAKE_CONTACT_EMAIL, FAKE_LICENSE_KEY } from '../test/simulator/dynatrace.js'

const dir = process.env.LICENSE_EXPORTER_TEST_LOG_DIR ?? join(import.meta.dirname, '..', '.test-logs')
const files = readdirSync(dir)
const secrets = new Set([FAKE_LICENSE_KEY, FAKE_CONTACT_EMAIL])
for (const f of files.filter(x => x.endsWith('.secrets'))) {
  for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.length >= 6) secrets.add(line)
}
let lines = 0
const hits: string[] = []
for (const f of files.filter(x => x.endsWith('.log'))) {
  const text = readFileSync(join(dir, f), 'utf8')
  lines += text.split('\n').length - 1
  for (const s of secrets) if (text.includes(s)) hits.push(`${f}: ${s.slice(0, 4)}…`)
}
if (lines === 0) {
  process.stderr.write(`secrets check: no log output found in ${dir}\n`)
  process.exit(1)
}
process.stdout.write(`secrets check: ${lines} log lines of the whole suite against ${secrets.size} fixture secrets: ${hits.length} hits\n`)
if (hits.length > 0) {
  process.stderr.write(`${hits.join('\n')}\n`)
  process.exit(1)
}
