/**
 * Where the evidence index lives, and a consistent copy of it for a one-off report (`--report`), so that a
 * report never writes to the file a running exporter uses, nor to a vault copied read-only for an auditor.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { backup, DatabaseSync } from 'node:sqlite'
import type { Config } from '../../config/schema.js'

/** File name of the index inside the first vault directory. */
export const INDEX_FILE = '.evidence-index.sqlite'

/** The default index location: beside the first configured vault directory, or in memory when there is none. */
export function defaultIndexLocation (config: Config): string {
  for (const c of config.clusters) if (c.type === 'ibm_license_service' && c.snapshot !== undefined) return join(c.snapshot.directory, INDEX_FILE)
  return ':memory:'
}

/**
 * Copy the index at `from` to `to` with SQLite's backup (consistent while an exporter writes it); a file on
 * read-only media is opened as immutable. False when there is none or it cannot be read (the caller then
 * builds one from the archives).
 */
export async function copyIndex (from: string, to: string): Promise<boolean> {
  if (from === ':memory:' || !existsSync(from)) return false
  let src: DatabaseSync | undefined
  for (const open of [() => new DatabaseSync(from, { readOnly: true }), () => new DatabaseSync(new URL(`${pathToFileURL(from).href}?immutable=1`), { readOnly: true })]) {
    try {
      src = open()
      src.prepare('SELECT COUNT(*) FROM meta').get()
      break
    } catch {
      src?.close()
      src = undefined
    }
  }
  if (src === undefined) return false
  try {
    await backup(src, to)
    return true
  } catch {
    return false
  } finally {
    src.close()
  }
}
