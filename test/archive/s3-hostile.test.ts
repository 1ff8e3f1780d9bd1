/**
 * A broken or hostile S3 peer (a small fake server, since moto behaves): a listing that never ends (the same
 * page token again and again, or endless empty pages) fails with a reason instead of listing for ever, and a
 * read whose body stops short of its Content-Length is an error, never taken for the object.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import t from 'tap'
import { S3Vault } from '../../src/archive/s3-vault.js'
import { StoreError } from '../../src/archive/store.js'
import { archiveName } from '../../src/archive/vault.js'
import { s3StoreSchema } from '../../src/sources/ibm/store-schema.js'

const T0 = Date.UTC(2026, 10, 1, 6)
let server: Server
let pages = 0
let mode: 'same-token' | 'empty-pages' = 'same-token'
let body = Buffer.alloc(0)

const page = (keys: string, token: string): string => `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bkt</Name><Prefix>p/c/</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>true</IsTruncated><NextContinuationToken>${token}</NextContinuationToken>${keys}</ListBucketResult>`

t.before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    if (req.method === 'GET' && url.searchParams.get('list-type') === '2') {
      pages++
      const keys = mode === 'empty-pages' ? '' : Array.from({ length: 1000 }, (_, i) => `<Contents><Key>p/c/${archiveName(T0 + (pages * 1000 + i) * 1000, createHash('sha256').update(String(i)).digest('hex'))}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>1</Size></Contents>`).join('')
      res.writeHead(200, { 'content-type': 'application/xml' })
      res.end(page(keys, mode === 'same-token' ? 'same-token' : `token-${pages}`))
      return
    }
    if (req.method === 'GET') {
      // The whole body announced, half of it sent, the connection cut.
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(body.length), 'last-modified': new Date(T0).toUTCString() })
      res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
})
t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))

function vault (): S3Vault {
  const addr = server.address() as { port: number }
  const s3 = s3StoreSchema.parse({ type: 's3', bucket: 'bkt', prefix: 'p', endpoint: `http://127.0.0.1:${addr.port}`, force_path_style: true, timeout: '10s' })
  return new S3Vault({ kind: 's3', id: 'x', directory: tmpdir(), s3 })
}

t.test('a listing that never ends fails with store_error: a repeated page token, or endless empty pages', async t => {
  process.env.AWS_ACCESS_KEY_ID = 'AKIAHOSTILETEST'
  process.env.AWS_SECRET_ACCESS_KEY = 'hostile-test-secret'
  for (const m of ['same-token', 'empty-pages'] as const) {
    mode = m
    pages = 0
    const err = await vault().list('c').catch((e: unknown) => e)
    t.ok(err instanceof StoreError, `${m}: the listing fails`)
    t.match(err, { reason: 'store_error', message: /does not end/ }, m)
    t.ok(pages <= 1001, `${m}: stopped after ${pages} pages`)
  }
})

t.test('a read whose body stops short of its Content-Length is an error, not the object', async t => {
  body = randomBytes(4096)
  const name = archiveName(T0, createHash('sha256').update(body).digest('hex'))
  const err = await vault().open('c', name, 1 << 20).catch((e: unknown) => e)
  t.ok(err instanceof Error, 'the short read is an error')
})
