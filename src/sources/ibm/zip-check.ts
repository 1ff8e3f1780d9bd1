/** Structural check of a downloaded audit snapshot: is it a whole zip file? No I/O. */

/**
 * Check the zip structure: local header at the start, an end-of-central-directory record whose central
 * directory lies inside the file and holds as many entries as it says, each with a valid signature.
 * Returns the entry count, or a reason it is not a valid zip.
 */
export function checkZip (buf: Buffer): { ok: true, entries: number } | { ok: false, reason: string } {
  if (buf.length < 22) return { ok: false, reason: 'too short for a zip' }
  if (buf.readUInt32LE(0) !== 0x04034b50) return { ok: false, reason: 'no zip local file header at the start' }
  let eocd = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break }
  }
  if (eocd < 0) return { ok: false, reason: 'no end of central directory (truncated?)' }
  const entries = buf.readUInt16LE(eocd + 10)
  const cdSize = buf.readUInt32LE(eocd + 12)
  const cdOffset = buf.readUInt32LE(eocd + 16)
  if (entries === 0) return { ok: false, reason: 'zip has no entries' }
  if (cdOffset + cdSize > eocd) return { ok: false, reason: 'central directory outside the file' }
  let p = cdOffset
  for (let n = 0; n < entries; n++) {
    if (p + 46 > eocd || buf.readUInt32LE(p) !== 0x02014b50) return { ok: false, reason: `central directory entry ${n} is damaged` }
    const localOffset = buf.readUInt32LE(p + 42)
    if (localOffset + 4 > cdOffset || buf.readUInt32LE(localOffset) !== 0x04034b50) return { ok: false, reason: `entry ${n} points outside the data` }
    p += 46 + buf.readUInt16LE(p + 28) + buf.readUInt16LE(p + 30) + buf.readUInt16LE(p + 32)
  }
  return { ok: true, entries }
}
