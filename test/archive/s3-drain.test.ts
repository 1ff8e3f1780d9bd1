/**
 * The spool drain (Uploads.drain) against moto behind the fault proxy: one cluster refused does not hold back
 * the others, a wrong 412 never drops the only copy, a damaged spool file is left (and replaced by a good copy
 * of the same snapshot), a cluster whose bucket is unknown stays in the spool, stale temp files go.
 */
import { createHash, randomBytes } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { bucketVault } from '../../src/archive/store.js'
import { Spool } from '../../src/archive/spool.js'
import { Uploads } from '../../src/archive/uploads.js'
import { archiveName } from '../../src/archive/vault.js'
import { createLogger } from '../../src/util/logger.js'
import { startMoto, type Moto } from '../fixtures/s3.js'
import { startS3Proxy, type S3Proxy } from '../fixtures/s3-proxy.js'
import { LogCapture, tempDir } from '../helpers.js'

const T0 = Date.UTC(2026, 10, 1, 6)
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
let moto: Moto
let proxy: S3Proxy
t.before(async () => { moto = await startMoto(); proxy = await startS3Proxy(moto.endpoint) })
t.teardown(async () => { await proxy.close(); await moto.stop() })
t.beforeEach(() => { proxy.fault = () => undefined })
const keys = async (bucket: string): Promise<string[]> => ((await moto.client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map(c => c.Key!).sort()

let n = 0
async function setup (t: { teardown (fn: () => unknown): void }) {
  const bucket = `drain-${++n}`
  await moto.bucket(bucket)
  const dir = tempDir('license-exporter-drain-', t)
  const spec = bucketVault({ ...moto.store(bucket, { prefix: 'prod' }), endpoint: proxy.endpoint }, dir)
  const logs = new LogCapture()
  const uploads = new Uploads({ log: createLogger('info', logs), describe: async () => ({}), maxBytes: 1 << 30 })
  return { bucket, dir, spec, logs, uploads, spool: new Spool(dir) }
}

t.test('one cluster refused by the bucket (403 on its prefix only) does not hold back the other clusters\' spools', async t => {
  const { bucket, dir, spec, uploads, spool } = await setup(t)
  // An outage: both clusters have a spooled snapshot; a's is the older.
  const a = randomBytes(100); const b = randomBytes(100)
  await spool.add('a', archiveName(T0, sha(a)), a)
  await spool.add('b', archiveName(T0 + 3_600_000, sha(b)), b)
  // The bucket is back, but its policy refuses writes under prod/a/ (e.g. a prefix-scoped key or policy).
  proxy.fault = r => (r.method === 'PUT' && r.path.startsWith(`/${bucket}/prod/a/`) ? { status: 403, code: 'AccessDenied', message: 'Access Denied' } : undefined)
  for (let i = 0; i < 3; i++) {
    const r = await uploads.drain([dir], () => spec)
    if (i === 0) t.same([r.uploaded.map(u => u.cluster), [...r.failed.keys()], [...r.left]], [['b'], ['a'], [['a', 1]]], 'b uploaded, a refused and left')
  }
  t.same(await keys(bucket), [`prod/b/${archiveName(T0 + 3_600_000, sha(b))}`], 'b\'s spooled snapshot reaches the bucket although a\'s is refused')
})

t.test('a 412 from the store for an object that is not there keeps the spool file: the only copy stays', async t => {
  const { bucket, dir, spec, uploads, spool, logs } = await setup(t)
  const body = randomBytes(100)
  const name = archiveName(T0, sha(body))
  await spool.add('c', name, body)
  proxy.fault = r => (r.method === 'PUT' ? { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' } : undefined)
  const r = await uploads.drain([dir], () => spec)
  proxy.fault = () => undefined
  const spoolLeft = readdirSync(join(dir, '.spool', 'c'))
  const inBucket = await keys(bucket)
  t.same(r.uploaded, [], 'not counted as uploaded')
  t.same(spoolLeft, [name], 'still in the spool')
  t.same(inBucket, [], 'not in the bucket')
  t.match(r.failed.get('c'), { reason: 'store_error' })
  t.notMatch(logs.text, /uploaded/)
})

t.test('a damaged spool file is left and logged; the others are uploaded', async t => {
  const { bucket, dir, spec, uploads, spool, logs } = await setup(t)
  const a = randomBytes(100); const b = randomBytes(100)
  await spool.add('a', archiveName(T0, sha(a)), a)
  await spool.add('b', archiveName(T0 + 1000, sha(b)), b)
  const { writeFileSync } = await import('node:fs')
  writeFileSync(join(dir, '.spool', 'a', archiveName(T0, sha(a))), randomBytes(100))
  const r = await uploads.drain([dir], () => spec)
  t.same(r.uploaded.map(u => u.cluster), ['b'])
  t.same(await keys(bucket), [`prod/b/${archiveName(T0 + 1000, sha(b))}`])
  t.match(logs.text, /cannot be read; it is left in the spool/)
})

t.test('a damaged spool file of the same name is set aside and replaced by a fresh good copy of the same snapshot', async t => {
  const { dir, spec, uploads, spool } = await setup(t)
  const body = randomBytes(100)
  const name = archiveName(T0, sha(body))
  await spool.add('c', name, body)
  const { writeFileSync, readFileSync } = await import('node:fs')
  writeFileSync(join(dir, '.spool', 'c', name), randomBytes(100)) // bit rot / partial disk failure
  // The bucket is still down: the same slot is downloaded again, same bytes, and spooled again.
  const down = { ...spec, s3: { ...spec.s3, endpoint: 'http://127.0.0.1:1' } }
  const r = await uploads.put(down, 'c', name, body)
  t.ok('spooled' in r)
  t.ok(readFileSync(join(dir, '.spool', 'c', name)).equals(body), 'the spool holds the good bytes now')
  t.ok(readdirSync(join(dir, '.spool', 'c')).includes(`${name}.damaged`), 'the damaged file is kept aside for a person')
  t.equal(await spool.count('c'), 1)
})

t.test('a cluster whose bucket is unknown stays in the spool; temp files left by a crash over an hour ago go', async t => {
  const { bucket, dir, uploads, spool, logs } = await setup(t)
  const body = randomBytes(100)
  const name = archiveName(T0, sha(body))
  await spool.add('gone', name, body)
  const { writeFileSync, utimesSync } = await import('node:fs')
  const stale = join(dir, '.spool', 'gone', `.${name}.abcd1234.tmp`)
  const fresh = join(dir, '.spool', 'gone', `.${name}.ef567890.tmp`)
  writeFileSync(stale, 'half')
  writeFileSync(fresh, 'half')
  utimesSync(stale, new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() - 2 * 3_600_000))
  const r = await uploads.drain([dir], () => undefined)
  t.same(r.left.get('gone'), 1, 'left in the spool')
  t.same(await keys(bucket), [], 'sent to no bucket')
  t.match(logs.text, /bucket is not known \(not in the config\): left in the spool/)
  const left = readdirSync(join(dir, '.spool', 'gone')).sort()
  t.same(left, [`.${name}.ef567890.tmp`, name].sort(), 'the stale temp file is removed, the young one (a write in progress) kept')
})
