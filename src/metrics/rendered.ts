/**
 * Rendered bodies: a list of buffers, never joined, with a gzip made on the thread pool once a scraper asks
 * for it. A scrape is served the per-cluster part's buffers followed by the process part's, as they are.
 */
import { once } from 'node:events'
import { createGzip } from 'node:zlib'
import { Registry } from 'prom-client'
import type { Format } from './format.js'

/** Content types of the formats. */
export const CONTENT_TYPES: Record<Format, string> = {
  text: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
}

/** gzip level of served bodies (8 MB of text: level 6 takes about 50 ms off the event loop, for 25 % fewer bytes than level 1). */
const GZIP_LEVEL = 6

/** Compress buffers as one gzip member, on libuv's thread pool (the event loop only hands them over). */
async function gzipParts (parts: readonly Buffer[]): Promise<Buffer> {
  const zip = createGzip({ level: GZIP_LEVEL })
  const out: Buffer[] = []
  zip.on('data', (d: Buffer) => out.push(d))
  const ended = once(zip, 'end')
  for (const part of parts) zip.write(part)
  zip.end()
  await ended
  return Buffer.concat(out)
}

/** A rendered body as a list of buffers (never joined), and its gzip (made once, when first asked). */
export class Rendered {
  readonly parts: readonly Buffer[]
  #gzip: Promise<Buffer> | undefined

  constructor (parts: readonly Buffer[]) {
    this.parts = parts
  }

  /** The body as one gzip member. */
  gzip (): Promise<Buffer> {
    return (this.#gzip ??= gzipParts(this.parts))
  }

  /** The body as text (for tests and tools; the server sends the buffers). */
  toString (): string {
    return Buffer.concat(this.parts).toString()
  }
}

/** A body to serve: its buffers in order and their total length. */
export interface Body {
  readonly parts: readonly Buffer[]
  readonly length: number
}

/**
 * The per-cluster part followed by the process part, plain or gzipped, as the cached buffers themselves: no
 * copy is made per scrape or per render (the plain per-cluster part is 8 MB at 1,000 clusters). Two gzip
 * members back to back form one valid gzip stream (RFC 1952), so each part keeps its own gzip.
 */
export async function scrapeBody (head: Rendered, tail: Rendered, gzip: boolean): Promise<Body> {
  const parts = gzip ? await Promise.all([head.gzip(), tail.gzip()]) : [...head.parts, ...tail.parts]
  let length = 0
  for (const p of parts) length += p.length
  return { parts, length }
}
