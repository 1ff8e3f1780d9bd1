import { startMoto } from '/work/main/test/fixtures/s3.ts'
import { S3Vault } from '/work/main/src/archive/s3-vault.ts'
import { archiveName } from '/work/main/src/archive/vault.ts'
import { createHash } from 'node:crypto'
import { HeadObjectCommand } from '@aws-sdk/client-s3'
const m = await startMoto()
try {
  await m.bucket('evidence', { objectLock: true })
  const cfg = m.store('evidence', { prefix: 'prod', object_lock: { mode: 'COMPLIANCE', retain: '730d' } })
  const v = new S3Vault({ kind: 's3', id: 'x', directory: '/tmp/scratch/spool', s3: cfg })
  const body = Buffer.from('hello zip')
  const sha = createHash('sha256').update(body).digest('hex')
  const name = archiveName(Date.UTC(2026, 10, 1), sha)
  console.log(await v.put('ocp', name, body, { cluster: 'ocp', 'period-from': '2026-08-01' }))
  console.log(await v.put('ocp', name, body, { cluster: 'ocp' }))
  console.log(await v.list('ocp'), await v.folders())
  const o = await v.open('ocp', name, 1000); console.log(o.size, o.bytes); await o.close()
  console.log(await v.stat('ocp', name), await v.stat('ocp', 'nope.zip'))
  const h = await m.client.send(new HeadObjectCommand({ Bucket: 'evidence', Key: `prod/ocp/${name}`, ChecksumMode: 'ENABLED' }))
  console.log(h.ObjectLockMode, h.ObjectLockRetainUntilDate, h.Metadata, h.ChecksumSHA256)
  console.log(await v.remove('ocp', [name]))
  const bad = new S3Vault({ kind: 's3', id: 'y', directory: '/tmp/scratch/spool', s3: m.store('nobucket') })
  await bad.list('ocp').catch(e => console.log('nobucket', e.reason, e.message))
  const off = new S3Vault({ kind: 's3', id: 'z', directory: '/tmp/scratch/spool', s3: { ...m.store('evidence'), endpoint: 'http://127.0.0.1:9', timeout: 3000 } })
  const t0 = Date.now(); await off.list('ocp').catch(e => console.log('offline', e.reason, e.message, Date.now() - t0))
} finally { await m.stop() }
