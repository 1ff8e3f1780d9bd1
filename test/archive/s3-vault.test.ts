/**
 * The bucket vault against a real S3 peer (moto's S3 server) and a fault-injecting proxy in front of it:
 * create-only content-addressed objects with their checksum, metadata and Object Lock retention; listing,
 * reading (small in memory, big through a temp file), removing; and every fault with its reason.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, DeleteObjectCommand, HeadObjectCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { FULL_LISTING_MS, S3Vault } from '../../src/archive/s3-vault.js'
import { StoreError, type VaultSpec } from '../../src/archive/store.js'
import { archiveName } from '../../src/archive/vault.js'
import { startMoto, TEST_KEY, type Moto } from '../fixtures/s3.js'
import { startS3Proxy, type S3Proxy } from '../fixtures/s3-proxy.js'
import { recordSecret } from '../simulator/server.js'

const T0 = Date.UTC(2026, 10, 1, 6)
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')
const named = (ms: number, body: Buffer): string => archiveName(ms, sha(body))

let moto: Moto
let proxy: S3Proxy
t.before(async () => {
  moto = await startMoto()
  proxy = await startS3Proxy(moto.endpoint)
})
t.teardown(async () => { await proxy.close(); await moto.stop() })
t.beforeEach(() => { proxy.fault = () => undefined; proxy.seen.length = 0 })

let n = 0
/** A fresh bucket and a vault on it (through the proxy unless `direct`). */
async function vaultOn (extra: Record<string, unknown> = {}, opts: { direct?: boolean, objectLock?: boolean } = {}): Promise<{ vault: S3Vault, bucket: string, spec: VaultSpec & { kind: 's3' } }> {
  const bucket = `vault-test-${++n}`
  await moto.bucket(bucket, { objectLock: opts.objectLock === true })
  const s3 = { ...moto.store(bucket, { prefix: 'fleet/prod/', ...extra }), ...(opts.direct === true ? {} : { endpoint: proxy.endpoint }) }
  const spec = { kind: 's3' as const, id: `s3://${bucket}/fleet/prod/`, directory: join(tmpdir(), 'unused'), s3 }
  return { vault: new S3Vault(spec), bucket, spec }
}

t.test('objects are created once, named by time and SHA-256, with checksum, metadata and If-None-Match', async t => {
  const { vault, bucket } = await vaultOn()
  const body = randomBytes(2048)
  const name = named(T0, body)
  t.equal(await vault.put('ocp-a', name, body, { cluster: 'ocp-a', 'cluster-id': 'c-1', 'period-from': '2026-08-01', 'period-to': '2026-10-31' }), 'created')
  const put = proxy.seen.find(r => r.method === 'PUT')!
  t.equal(put.path, `/${bucket}/fleet/prod/ocp-a/${name}`, 'key: <prefix><cluster>/<time>-<sha256>.zip')
  t.equal(put.headers['if-none-match'], '*', 'create-only')
  t.equal(put.headers['x-amz-checksum-sha256'], createHash('sha256').update(body).digest('base64'), 'the store is given the SHA-256 to verify')
  t.equal(await vault.put('ocp-a', name, body, { cluster: 'ocp-a' }), 'exists', 'a second writer of the same name gets 412: success, nothing overwritten')
  const head = await moto.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `fleet/prod/ocp-a/${name}` }))
  t.same(head.Metadata, { cluster: 'ocp-a', 'cluster-id': 'c-1', 'period-from': '2026-08-01', 'period-to': '2026-10-31' }, 'the first writer\'s metadata stays')
  t.equal(head.ContentLength, 2048)
  await t.rejects(vault.put('ocp-a', named(T0 + 1000, randomBytes(10)), body, {}), /does not carry the SHA-256/, 'a name that is not the bytes\' hash is refused before any request')
})

t.test('a 409 or 412 is success once the object is there, else the write is tried again', async t => {
  const { vault } = await vaultOn()
  const body = randomBytes(100)
  const name = named(T0, body)
  let conflicts = 0
  proxy.fault = r => (r.method === 'PUT' && conflicts++ < 1 ? { status: 409, code: 'ConditionalRequestConflict' } : undefined)
  t.equal(await vault.put('c', name, body, {}), 'created', 'the object was not there after the 409: written by the next try')
  t.equal(proxy.seen.filter(r => r.method === 'PUT').length, 2)
  proxy.fault = r => (r.method === 'PUT' ? { status: 409, code: 'ConditionalRequestConflict' } : undefined)
  t.equal(await vault.put('c', name, body, {}), 'exists', 'a 409 while the object is there: another replica wrote it')
  const other = randomBytes(100)
  const err = await vault.put('c', named(T0, other), other, {}).catch((e: unknown) => e)
  t.ok(err instanceof StoreError, 'endless conflicts end with a reason')
  t.match(err, { reason: 'store_error', message: /refused as a conflict \(HTTP 409 or 412\) 3 times, and the object is not there/ })
  // A 412 is believed only when the object is there: a store (or a proxy) that answers 412 wrongly does not
  // make a snapshot count as stored, which would let the spool drop the only copy.
  const lost = randomBytes(100)
  proxy.fault = r => (r.method === 'PUT' ? { status: 412, code: 'PreconditionFailed' } : undefined)
  const refused = await vault.put('c', named(T0 + 5000, lost), lost, {}).catch((e: unknown) => e)
  t.match(refused, { reason: 'store_error' }, 'a 412 for an object that is not there is a failure')
})

t.test('Object Lock: each object carries its mode and retain-until date; the vault never deletes', async t => {
  const { vault, bucket } = await vaultOn({ object_lock: { mode: 'COMPLIANCE', retain: '730d' } }, { objectLock: true })
  const body = randomBytes(64)
  const name = named(T0, body)
  const before = Date.now()
  await vault.put('ocp', name, body, {})
  // moto's GET ?retention returns the object: HeadObject carries the retention.
  const head = await moto.client.send(new HeadObjectCommand({ Bucket: bucket, Key: `fleet/prod/ocp/${name}` }))
  t.equal(head.ObjectLockMode, 'COMPLIANCE')
  const until = head.ObjectLockRetainUntilDate!.getTime()
  t.ok(until >= before + 730 * 86_400_000 - 2000 && until <= Date.now() + 730 * 86_400_000 + 2000, `retained until ${head.ObjectLockRetainUntilDate!.toISOString()}`)
  t.ok(vault.locked)
  t.same(await vault.remove('ocp', [name]), [], 'nothing removed')
  t.equal(proxy.seen.filter(r => r.method === 'DELETE').length, 0, 'not even asked')
  t.equal((await vault.list('ocp')).archives.length, 1)
})

t.test('listing: archives oldest first, misnamed objects refused, deeper keys and half-written multipart uploads ignored', async t => {
  const { vault, bucket } = await vaultOn({}, { direct: true })
  const bodies = [randomBytes(10), randomBytes(20), randomBytes(30)]
  const names = [named(T0 + 2 * 86_400_000, bodies[0]!), named(T0, bodies[1]!), named(T0 + 86_400_000, bodies[2]!)]
  for (let i = 0; i < 3; i++) await vault.put('ocp', names[i]!, bodies[i]!, {})
  await moto.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'fleet/prod/ocp/backup-copy.zip', Body: 'x' }))
  await moto.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'fleet/prod/ocp/old/2026-01-01T00-00-00-000Z.zip', Body: 'x' }))
  await moto.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'fleet/prod/.spool/x.zip', Body: 'x' }))
  await moto.client.send(new PutObjectCommand({ Bucket: bucket, Key: 'other/ocp/2026-01-01T00-00-00-000Z.zip', Body: 'x' }))
  // An upload that never completed: its parts are in the bucket, the object is not.
  const half = named(T0 + 3 * 86_400_000, randomBytes(5))
  const mp = await moto.client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: `fleet/prod/ocp/${half}` }))
  await moto.client.send(new UploadPartCommand({ Bucket: bucket, Key: `fleet/prod/ocp/${half}`, UploadId: mp.UploadId, PartNumber: 1, Body: randomBytes(5 * 1024 * 1024) }))
  t.teardown(() => moto.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: `fleet/prod/ocp/${half}`, UploadId: mp.UploadId })).then(() => undefined, () => undefined))

  const listing = await vault.list('ocp')
  t.same(listing.archives.map(a => a.name), [names[1], names[2], names[0]], 'by the time in the name; the half-written upload is not there')
  t.same(listing.archives.map(a => a.size), [20, 30, 10])
  t.match(listing.refused, [{ name: 'backup-copy.zip', reason: 'bad_name' }])
  t.same(await vault.folders(), ['ocp'], 'clusters under the prefix only; dot-folders left out')
  t.same(await vault.stat('ocp', half), undefined)
  t.match(await vault.stat('ocp', names[0]!), { name: names[0], size: 10, takenMs: T0 + 2 * 86_400_000 })
  const summary = await vault.summary('ocp', T0 + 86_400_000 + 1)
  t.match(summary, { count: 3, newest: { name: names[2] }, future: [names[0]] }, 'an archive after the clock is not the newest')
  t.same(await vault.remove('ocp', [names[1]!]), [names[1]])
  t.equal((await vault.list('ocp')).archives.length, 2)
})

t.test('listing is incremental: recent keys every time, the whole cluster every hour; deletions and late old objects seen', async t => {
  const { spec, bucket } = await vaultOn()
  let now = T0 + 400 * 86_400_000
  const vault = new S3Vault(spec, { now: () => now })
  const put = async (ms: number, c = 'inc'): Promise<string> => { const b = randomBytes(32); const name = named(ms, b); await vault.put(c, name, b, {}); return name }
  const old: string[] = []
  for (let d = 0; d < 30; d++) old.push(await put(T0 + d * 86_400_000))
  const lists = (): Array<{ url: string }> => proxy.seen.filter(r => r.method === 'GET' && r.url.includes('list-type=2'))
  t.equal((await vault.list('inc')).archives.length, 30, 'the first listing is whole')
  t.notMatch(lists()[0]!.url, /start-after/)
  proxy.seen.length = 0
  const recent = await put(T0 + 30 * 86_400_000)
  const late = await put(T0 + 28 * 86_400_000 + 3_600_000)
  const tooOld = await put(T0 + 2 * 86_400_000 + 3_600_000)
  await vault.remove('inc', [old[0]!])
  now += 5 * 60_000
  const second = (await vault.list('inc')).archives.map(a => a.name)
  t.match(lists()[0]!.url, /start-after=fleet%2Fprod%2Finc%2F2026-11-27T06-00-00-000Z/, 'the next listing starts three days before the newest archive')
  t.ok(second.includes(recent) && second.includes(late), 'a new object and one written late within three days of the newest are seen at once')
  t.notOk(second.includes(tooOld), 'an object written late with an older time waits for the next whole listing')
  t.notOk(second.includes(old[0]!), 'an object this vault removed is gone from the listing')
  t.equal(second.length, 31)
  // Removed by someone else (a lifecycle rule, an operator), and the hour passes: the whole listing.
  await moto.client.send(new DeleteObjectCommand({ Bucket: bucket, Key: `fleet/prod/inc/${old[5]!}` }))
  now += FULL_LISTING_MS
  proxy.seen.length = 0
  const third = (await vault.list('inc')).archives.map(a => a.name)
  t.notMatch(lists()[0]!.url, /start-after/, 'every hour the listing is whole again')
  t.ok(third.includes(tooOld), 'the late old object is seen')
  t.notOk(third.includes(old[5]!), 'an object removed by another is gone')
  t.equal(third.length, 31)
  t.equal((await vault.list('other')).archives.length, 0, 'each cluster has its own listing')
})

t.test('reading: small objects in memory, big ones through a private temp file removed at close, too big not read', async t => {
  const { vault } = await vaultOn({}, { direct: true })
  const small = randomBytes(1000)
  const big = randomBytes(9 * 1024 * 1024)
  await vault.put('ocp', named(T0, small), small, {})
  await vault.put('ocp', named(T0 + 1000, big), big, {})
  const a = await vault.open('ocp', named(T0, small), 1 << 30)
  t.ok(a.bytes !== undefined && 'buffer' in a.bytes && a.bytes.buffer.equals(small))
  await a.close()
  const temps = (): string[] => readdirSync(tmpdir()).filter(f => f.startsWith('license-exporter-object-'))
  const before = temps().length
  const b = await vault.open('ocp', named(T0 + 1000, big), 1 << 30)
  t.ok(b.bytes !== undefined && 'handle' in b.bytes)
  if (b.bytes !== undefined && 'handle' in b.bytes) {
    const back = Buffer.alloc(big.length)
    await b.bytes.handle.read(back, 0, big.length, 0)
    t.ok(back.equals(big), 'the same bytes')
  }
  t.equal(temps().length, before + 1)
  await b.close()
  t.equal(temps().length, before, 'temp file removed')
  const c = await vault.open('ocp', named(T0 + 1000, big), 1024 * 1024)
  t.equal(c.bytes, undefined, 'over maxBytes: not read')
  t.equal(c.size, big.length)
  await c.close()
})

t.test('faults have reasons: no such bucket, unreachable, 403, 503 SlowDown retried with backoff and a bound', async t => {
  const { vault } = await vaultOn()
  const missing = new S3Vault({ kind: 's3', id: 'x', directory: tmpdir(), s3: moto.store('no-such-bucket') })
  await t.rejects(missing.list('ocp'), { reason: 'store_not_found', message: /404 NoSuchBucket/ })

  proxy.fault = () => ({ status: 403, code: 'AccessDenied', message: 'Access Denied' })
  await t.rejects(vault.list('ocp'), { reason: 'store_auth', message: /bucket vault-test-\d+: HTTP 403 AccessDenied/ })

  let slow = 0
  proxy.fault = () => (slow++ < 2 ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' } : undefined)
  t.same((await vault.list('ocp')).archives, [], 'two SlowDowns, then an answer: retried')
  t.equal(proxy.seen.filter(r => r.method === 'GET').length >= 3, true)

  proxy.seen.length = 0
  proxy.fault = () => ({ status: 503, code: 'SlowDown' })
  const started = Date.now()
  await t.rejects(vault.list('ocp'), { reason: 'store_throttled', message: /HTTP 503 SlowDown/ })
  t.equal(proxy.seen.length, 5, 'five attempts, then given up')
  t.ok(Date.now() - started < 30_000, `given up after ${Date.now() - started} ms of backoff`)

  proxy.fault = () => 'drop'
  await t.rejects(vault.list('ocp'), { reason: 'store_unreachable', message: /bucket vault-test/ }, 'connection cut')
  proxy.fault = () => undefined
  await proxy.down()
  try {
    await t.rejects(vault.list('ocp'), { reason: 'store_unreachable', message: /ECONNREFUSED/ }, 'nothing listening')
  } finally {
    await proxy.up()
  }
  t.same((await vault.list('ocp')).archives, [], 'back once the store is')
})

t.test('credentials rotated on disk are used at once: a 403 reads the files again', async t => {
  const { vault, spec } = await vaultOn()
  let allowed = TEST_KEY.id
  proxy.fault = r => (r.accessKeyId === allowed ? undefined : { status: 403, code: 'InvalidAccessKeyId', message: 'The AWS Access Key Id you provided does not exist in our records.' })
  t.same((await vault.list('ocp')).archives, [])
  // The Secret is rotated: new files, and the store only accepts the new key.
  const rotated = { id: 'AKIAROTATEDKEY000002', secret: 'rotated-secret-key-000000000000000000000' }
  recordSecret(rotated.secret)
  writeFileSync(spec.s3.access_key_id_file!, rotated.id)
  writeFileSync(spec.s3.secret_access_key_file!, rotated.secret)
  allowed = rotated.id
  proxy.seen.length = 0
  t.same((await vault.list('ocp')).archives, [], 'no restart needed')
  t.same(proxy.seen.map(r => r.accessKeyId), [TEST_KEY.id, rotated.id], 'one refusal with the old key, then the new one')
  t.notOk(JSON.stringify(proxy.seen).includes(rotated.secret), 'the secret itself is never sent')
  writeFileSync(spec.s3.access_key_id_file!, TEST_KEY.id)
  writeFileSync(spec.s3.secret_access_key_file!, TEST_KEY.secret)
  allowed = 'nobody'
  await t.rejects(vault.list('ocp'), { reason: 'store_auth', message: /InvalidAccessKeyId/ }, 'a key the store refuses after a fresh read: store_auth')
  t.notOk(existsSync(join(spec.directory, 'never-created')))
})
