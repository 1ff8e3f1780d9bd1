/**
 * The daily data of the evidence vault: each archived snapshot's `products_daily_*.csv`, read with limits
 * (a zip bomb or a damaged file is reported and left on disk as it is), cached per file (archives never
 * change once written), merged per cluster with the newest archive winning per day.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { archiveTime, clusterDir, listArchives } from '../archive/vault.js'
import { parseDailyCsv } from './daily.js'
import { mergeArchives, type ClusterDaily, type DailyArchive } from './merge.js'
import { readDailyEntries } from './zip.js'

/** An archive whose daily data could not be (fully) read. */
export interface EvidenceProblem {
  cluster: string
  file: string
  reason: string
  message: string
}

/** One cluster's daily data and what could not be read. */
export interface ClusterEvidence {
  daily: ClusterDaily
  archives: number
  problems: EvidenceProblem[]
}

type Parsed = { ok: true, archive: DailyArchive, rowErrors: number } | { ok: false, reason: string, message: string }

/** Reads archives; keeps what it read per file, so a report reads each archive once. */
export class EvidenceReader {
  readonly #cache = new Map<string, Parsed>()

  /** The merged daily data of a cluster's archives in `directory` (the `snapshot.directory` of its config). */
  async cluster (directory: string, cluster: string): Promise<ClusterEvidence> {
    const dir = clusterDir(directory, cluster)
    const problems: EvidenceProblem[] = []
    const archives: DailyArchive[] = []
    let names: string[] = []
    try {
      names = await listArchives(dir)
    } catch (err) {
      problems.push({ cluster, file: dir, reason: 'io', message: `cannot list ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` })
    }
    for (const name of names) {
      const file = join(dir, name)
      let parsed = this.#cache.get(file)
      if (parsed === undefined) {
        parsed = await readArchive(file, archiveTime(name) ?? 0)
        // An I/O failure may pass (a file being restored); a verdict on the content is final.
        if (parsed.ok || parsed.reason !== 'io') this.#cache.set(file, parsed)
      }
      if (parsed.ok) {
        archives.push(parsed.archive)
        if (parsed.rowErrors > 0) problems.push({ cluster, file, reason: 'invalid_rows', message: `${parsed.rowErrors} row(s) of products_daily could not be read and were skipped` })
      } else {
        problems.push({ cluster, file, reason: parsed.reason, message: parsed.message })
      }
    }
    for (const file of this.#cache.keys()) if (file.startsWith(`${dir}/`) && !names.includes(file.slice(dir.length + 1))) this.#cache.delete(file)
    return { daily: mergeArchives(archives), archives: archives.length, problems }
  }
}

async function readArchive (file: string, archiveTimeMs: number): Promise<Parsed> {
  let buf: Buffer
  try {
    buf = await readFile(file)
  } catch (err) {
    return { ok: false, reason: 'io', message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }
  }
  const entries = await readDailyEntries(buf)
  if (!entries.ok) return { ok: false, reason: entries.reason, message: entries.message }
  if (entries.entries.length === 0) return { ok: false, reason: 'no_daily_data', message: 'the snapshot holds no products_daily_*.csv' }
  const rows = []
  let rowErrors = 0
  for (const entry of entries.entries) {
    const parsed = parseDailyCsv(entry.text)
    rows.push(...parsed.rows)
    rowErrors += parsed.errors.length
  }
  return { ok: true, archive: { archiveTimeMs, rows }, rowErrors }
}
