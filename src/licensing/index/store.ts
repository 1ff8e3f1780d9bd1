/**
 * Typed access to the index's tables (schema.ts): prepared statements and small caches. Synchronous, like
 * `node:sqlite`; callers run it in the index worker, one task at a time.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite'
import type { Identity } from '../identity.js'

/** An archive as the index records it. */
export interface ArchiveRow {
  id: number
  name: string
  taken_ms: number
  size: number
  mtime_ms: number
  ino: number
  sha256: string | null
  state: 'good' | 'refused' | 'quarantined'
  reason: string | null
  message: string | null
  first_day: number | null
  last_day: number | null
  coverage: Uint8Array | null
  rows_read: number
  rows_refused: string
  cluster_id: string | null
}

/** What is written for an archive. */
export type ArchiveRecord = Omit<ArchiveRow, 'id'>

const PRODUCT_CACHE = 50_000

/** The tables of one open index. */
export class IndexStore {
  readonly db: DatabaseSync
  readonly #clusters = new Map<string, number>()
  readonly #products = new Map<string, number>()
  readonly #identities = new Map<number, Identity>()
  readonly #s: Record<string, StatementSync>

  constructor (db: DatabaseSync) {
    this.db = db
    const p = (sql: string): StatementSync => db.prepare(sql)
    this.#s = {
      clusterGet: p('SELECT id FROM clusters WHERE directory = ? AND name = ?'),
      clusterAdd: p('INSERT INTO clusters (directory, name) VALUES (?, ?) RETURNING id'),
      clusters: p('SELECT id, directory, name FROM clusters'),
      productGet: p('SELECT id FROM products WHERE name = ? AND product_id = ? AND metric = ?'),
      productAdd: p('INSERT INTO products (name, product_id, metric) VALUES (?, ?, ?) RETURNING id'),
      productById: p('SELECT name, product_id, metric FROM products WHERE id = ?'),
      archives: p('SELECT * FROM archives WHERE cluster = ?'),
      facts: p('SELECT name, taken_ms, size, mtime_ms, ino, state FROM archives WHERE cluster = ?'),
      flawed: p("SELECT id, name, taken_ms, state, reason, message, rows_refused FROM archives WHERE cluster = ? AND (state != 'good' OR rows_refused != '{}') ORDER BY taken_ms"),
      lastWonOne: p('SELECT MAX(day) AS day FROM days WHERE archive = ?'),
      archiveGet: p('SELECT * FROM archives WHERE cluster = ? AND name = ?'),
      archiveDelete: p('DELETE FROM archives WHERE id = ?'),
      archiveUpsert: p(`INSERT INTO archives (cluster, name, taken_ms, size, mtime_ms, ino, sha256, state, reason, message, first_day, last_day, coverage, rows_read, rows_refused, cluster_id, indexed_ms)
        VALUES ($cluster, $name, $taken_ms, $size, $mtime_ms, $ino, $sha256, $state, $reason, $message, $first_day, $last_day, $coverage, $rows_read, $rows_refused, $cluster_id, $indexed_ms)
        ON CONFLICT (cluster, name) DO UPDATE SET taken_ms = excluded.taken_ms, size = excluded.size, mtime_ms = excluded.mtime_ms, ino = excluded.ino, sha256 = excluded.sha256,
        state = excluded.state, reason = excluded.reason, message = excluded.message, first_day = excluded.first_day, last_day = excluded.last_day, coverage = excluded.coverage,
        rows_read = excluded.rows_read, rows_refused = excluded.rows_refused, cluster_id = excluded.cluster_id, indexed_ms = excluded.indexed_ms RETURNING id`),
      touch: p('UPDATE archives SET size = ?, mtime_ms = ?, ino = ? WHERE id = ?'),
      winner: p('SELECT archive AS id, taken_ms FROM days WHERE cluster = ? AND day = ?'),
      winners: p('SELECT day, archive, taken_ms FROM days WHERE cluster = ? AND day BETWEEN ? AND ?'),
      dayClaim: p('INSERT INTO days (cluster, day, archive, taken_ms) VALUES (?, ?, ?, ?) ON CONFLICT (cluster, day) DO UPDATE SET archive = excluded.archive, taken_ms = excluded.taken_ms'),
      dayRelease: p('DELETE FROM days WHERE cluster = ? AND day = ?'),
      usageClear: p('DELETE FROM usage WHERE cluster = ? AND day = ?'),
      unknownClear: p('DELETE FROM unknown WHERE cluster = ? AND day = ?'),
      usageAdd: p('INSERT INTO usage (cluster, day, product, micro) VALUES (?, ?, ?, ?) ON CONFLICT (cluster, day, product) DO UPDATE SET micro = micro + excluded.micro'),
      unknownAdd: p('INSERT OR IGNORE INTO unknown (cluster, day, product) VALUES (?, ?, ?)'),
      wonBy: p('SELECT day FROM days WHERE archive = ? ORDER BY day'),
      lastWon: p('SELECT archive, MAX(day) AS day FROM days WHERE cluster = ? GROUP BY archive'),
      candidates: p("SELECT * FROM archives WHERE cluster = ? AND state = 'good' AND first_day <= ? AND last_day >= ? ORDER BY taken_ms DESC, name DESC"),
      nameOf: p('SELECT name FROM archives WHERE id = ?'),
    }
    for (const s of Object.values(this.#s)) s.setReadBigInts(false)
  }

  #get<T> (name: string, ...args: Array<string | number | null>): T | undefined {
    return this.#s[name]!.get(...args) as T | undefined
  }

  /** The id of a cluster (its folder in a vault directory), created when `create`. */
  clusterId (directory: string, name: string, create = true): number | undefined {
    const k = `${directory}\0${name}`
    const hit = this.#clusters.get(k)
    if (hit !== undefined) return hit
    const row = this.#get<{ id: number }>('clusterGet', directory, name) ?? (create ? this.#get<{ id: number }>('clusterAdd', directory, name) : undefined)
    if (row !== undefined) this.#clusters.set(k, row.id)
    return row?.id
  }

  /** Every cluster the index knows. */
  allClusters (): Array<{ id: number, directory: string, name: string }> {
    return this.#s.clusters!.all() as Array<{ id: number, directory: string, name: string }>
  }

  /** The id of a product, created when new. */
  productId (name: string, productId: string, metric: string): number {
    const k = `${name}\0${productId}\0${metric}`
    const hit = this.#products.get(k)
    if (hit !== undefined) return hit
    const row = this.#get<{ id: number }>('productGet', name, productId, metric) ?? this.#get<{ id: number }>('productAdd', name, productId, metric)!
    if (this.#products.size >= PRODUCT_CACHE) this.#products.clear()
    this.#products.set(k, row.id)
    return row.id
  }

  /** The identity of a product id. */
  identity (id: number): Identity {
    let i = this.#identities.get(id)
    if (i === undefined) {
      const row = this.#get<{ name: string, product_id: string, metric: string }>('productById', id)
      i = { product: row?.name ?? '', product_id: row?.product_id ?? '', unit: row?.metric ?? '' }
      if (this.#identities.size >= PRODUCT_CACHE) this.#identities.clear()
      this.#identities.set(id, i)
    }
    return i
  }

  archives (cluster: number): ArchiveRow[] { return this.#s.archives!.all(cluster) as unknown as ArchiveRow[] }
  /** What a sync compares with the files: name, time, size, mtime, inode, state. */
  archiveFacts (cluster: number): Array<Pick<ArchiveRow, 'name' | 'taken_ms' | 'size' | 'mtime_ms' | 'ino' | 'state'>> {
    return this.#s.facts!.all(cluster) as unknown as Array<Pick<ArchiveRow, 'name' | 'taken_ms' | 'size' | 'mtime_ms' | 'ino' | 'state'>>
  }

  archive (cluster: number, name: string): ArchiveRow | undefined { return this.#get<ArchiveRow>('archiveGet', cluster, name) }
  upsertArchive (cluster: number, r: ArchiveRecord & { indexed_ms: number }): number {
    return (this.#s.archiveUpsert!.get({ ...r, cluster }) as { id: number }).id
  }

  deleteArchive (id: number): void { this.#s.archiveDelete!.run(id) }
  touch (id: number, size: number, mtimeMs: number, ino: number): void { this.#s.touch!.run(size, mtimeMs, ino, id) }
  /** The name of an archive by its id. */
  nameOf (id: number): string | undefined { return this.#get<{ name: string }>('nameOf', id)?.name }

  winner (cluster: number, day: number): { id: number, taken_ms: number } | undefined { return this.#get('winner', cluster, day) }

  /** The source archive of each day of a cluster between two days. */
  winners (cluster: number, fromDay: number, toDay: number): Map<number, { id: number, taken_ms: number }> {
    const rows = this.#s.winners!.all(cluster, fromDay, toDay) as Array<{ day: number, archive: number, taken_ms: number }>
    return new Map(rows.map(r => [r.day, { id: r.archive, taken_ms: r.taken_ms }]))
  }

  /** Make `archive` (taken at `takenMs`) the source of a cluster's day: what another archive gave for it goes. */
  claimDay (cluster: number, day: number, archive: number, takenMs: number): void {
    this.#s.usageClear!.run(cluster, day)
    this.#s.unknownClear!.run(cluster, day)
    this.#s.dayClaim!.run(cluster, day, archive, takenMs)
  }

  /** Forget a cluster's day (its source archive is gone). */
  releaseDay (cluster: number, day: number): void {
    this.#s.usageClear!.run(cluster, day)
    this.#s.unknownClear!.run(cluster, day)
    this.#s.dayRelease!.run(cluster, day)
  }

  addUsage (cluster: number, day: number, product: number, micro: number): void { this.#s.usageAdd!.run(cluster, day, product, micro) }
  addUnknown (cluster: number, day: number, product: number): void { this.#s.unknownAdd!.run(cluster, day, product) }
  daysWonBy (archive: number): number[] { return (this.#s.wonBy!.all(archive) as Array<{ day: number }>).map(r => r.day) }

  /** Archives of a cluster that are not good, or good with refused rows. */
  flawedArchives (cluster: number): Array<Pick<ArchiveRow, 'id' | 'name' | 'taken_ms' | 'state' | 'reason' | 'message' | 'rows_refused'>> {
    return this.#s.flawed!.all(cluster) as unknown as Array<Pick<ArchiveRow, 'id' | 'name' | 'taken_ms' | 'state' | 'reason' | 'message' | 'rows_refused'>>
  }

  /** The last day an archive is the source of, if any. */
  lastWonDay (archive: number): number | undefined {
    return this.#get<{ day: number | null }>('lastWonOne', archive)?.day ?? undefined
  }

  /** Per archive of a cluster, the last day it is the source of. */
  lastWonDays (cluster: number): Map<number, number> {
    return new Map((this.#s.lastWon!.all(cluster) as Array<{ archive: number, day: number }>).map(r => [r.archive, r.day]))
  }

  /** Good archives of a cluster whose coverage range meets `fromDay..toDay`, newest first. */
  candidates (cluster: number, fromDay: number, toDay: number): ArchiveRow[] {
    return this.#s.candidates!.all(cluster, toDay, fromDay) as unknown as ArchiveRow[]
  }

  #depth = 0

  /**
   * Run `fn` in a transaction (a savepoint when one is open already) that is rolled back if it throws or
   * rejects. Only one task runs at a time (the worker's queue), so no other statement interleaves.
   */
  async transaction<T> (fn: () => Promise<T>): Promise<T> {
    const sp = `sp${this.#depth}`
    this.db.exec(this.#depth === 0 ? 'BEGIN IMMEDIATE' : `SAVEPOINT ${sp}`)
    this.#depth++
    try {
      const out = await fn()
      this.#depth--
      this.db.exec(this.#depth === 0 ? 'COMMIT' : `RELEASE ${sp}`)
      return out
    } catch (err) {
      this.#depth--
      this.db.exec(this.#depth === 0 ? 'ROLLBACK' : `ROLLBACK TO ${sp}; RELEASE ${sp}`)
      throw err
    }
  }
}
