/**
 * One zip writer for the simulator, the tests and the benchmark: entries stored or deflated, with headers
 * that may lie (declared size, CRC) to build damaged zips and zip bombs.
 */
import { crc32, deflateRawSync } from 'node:zlib'

/** One entry as written. */
export interface ZipItem {
  name: string
  /** Raw deflate data (method 8) or stored data (method 0). */
  data: Buffer
  method: 0 | 8
  /** Declared uncompressed size and CRC (may lie). */
  size: number
  crc: number
}

/** A zip of `items`, headers as given. */
export function zipOf (items: readonly ZipItem[]): Buffer {
  const parts: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const it of items) {
    const name = Buffer.from(it.name)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(0x0800, 6) // UTF-8 names
    local.writeUInt16LE(it.method, 8)
    local.writeUInt32LE(it.crc >>> 0, 14)
    local.writeUInt32LE(it.data.length, 18)
    local.writeUInt32LE(it.size, 22)
    local.writeUInt16LE(name.length, 26)
    const cd = Buffer.alloc(46)
    cd.writeUInt32LE(0x02014b50, 0)
    cd.writeUInt16LE(20, 4)
    cd.writeUInt16LE(20, 6)
    cd.writeUInt16LE(0x0800, 8)
    cd.writeUInt16LE(it.method, 10)
    cd.writeUInt32LE(it.crc >>> 0, 16)
    cd.writeUInt32LE(it.data.length, 20)
    cd.writeUInt32LE(it.size, 24)
    cd.writeUInt16LE(name.length, 28)
    cd.writeUInt32LE(offset, 42)
    parts.push(local, name, it.data)
    central.push(cd, name)
    offset += 30 + name.length + it.data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(items.length, 8)
  end.writeUInt16LE(items.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...parts, cd, end])
}

/** A deflated entry with honest headers. */
export function deflated (name: string, content: string | Buffer, level = 6): ZipItem {
  const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
  return { name, data: deflateRawSync(raw, { level }), method: 8, size: raw.length, crc: crc32(raw) }
}

/** A stored (uncompressed) entry with honest headers. */
export function stored (name: string, content: string | Buffer): ZipItem {
  const raw = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
  return { name, data: raw, method: 0, size: raw.length, crc: crc32(raw) }
}

/** A zip holding `files` (name -> content), stored, or deflated with `deflate`. */
export function makeZip (files: Record<string, string | Buffer>, opts: { deflate?: boolean } = {}): Buffer {
  return zipOf(Object.entries(files).map(([name, content]) => (opts.deflate === true ? deflated(name, content) : stored(name, content))))
}
