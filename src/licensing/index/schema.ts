/**
 * The evidence index's SQLite file: daily usage per cluster, product and day (only the rows of the archive
 * that is the newest source of that cluster and day), the winner per cluster and day, unreadable usage, and
 * one row per archive with its verdict. It is derived data: deleted, from another schema version, or
 * corrupt, it is rebuilt from the archives (a normal start, logged), which it never changes.
 *
 * Days are whole UTC days since 1970 (`day` integers); quantities are integers of millionths (`micro`), so
 * sums over any number of clusters are exact.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { DatabaseSync } from 'node:sqlite'

/** Bumped on every change of the tables below: an index of another version is rebuilt. */
export const SCHEMA_VERSION = 1

const DDL = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE clusters (id INTEGER PRIMARY KEY, directory TEXT NOT NULL, name TEXT NOT NULL, UNIQUE (directory, name)) STRICT;
CREATE TABLE archives (
  id INTEGER PRIMARY KEY,
  cluster INTEGER NOT NULL,
  name TEXT NOT NULL,
  taken_ms INTEGER NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms REAL NOT NULL,
  ino INTEGER NOT NULL,
  sha256 TEXT,
  state TEXT NOT NULL,
  reason TEXT,
  message TEXT,
  first_day INTEGER,
  last_day INTEGER,
  coverage BLOB,
  rows_read INTEGER NOT NULL DEFAULT 0,
  rows_refused TEXT NOT NULL DEFAULT '{}',
  cluster_id TEXT,
  indexed_ms INTEGER NOT NULL,
  UNIQUE (cluster, name)) STRICT;
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, product_id TEXT NOT NULL, metric TEXT NOT NULL, UNIQUE (name, product_id, metric)) STRICT;
CREATE TABLE days (cluster INTEGER NOT NULL, day INTEGER NOT NULL, archive INTEGER NOT NULL, taken_ms INTEGER NOT NULL, PRIMARY KEY (cluster, day)) STRICT, WITHOUT ROWID;
CREATE INDEX days_by_archive ON days (archive);
CREATE TABLE usage (cluster INTEGER NOT NULL, day INTEGER NOT NULL, product INTEGER NOT NULL, micro INTEGER NOT NULL, PRIMARY KEY (cluster, day, product)) STRICT, WITHOUT ROWID;
CREATE TABLE unknown (cluster INTEGER NOT NULL, day INTEGER NOT NULL, product INTEGER NOT NULL, PRIMARY KEY (cluster, day, product)) STRICT, WITHOUT ROWID;
`

/** Where the index lives: a file, or `:memory:`. */
export type IndexLocation = string

/** An open index and how it came to be. */
export interface OpenedIndex {
  db: DatabaseSync
  /** The file in use, or `:memory:`. */
  location: string
  /** Why it was (re)built from nothing, when it was: `new`, `schema`, `corrupt`, `unwritable`. */
  rebuilt: string | undefined
}

function pragmas (db: DatabaseSync): void {
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -8000; PRAGMA temp_store = MEMORY; PRAGMA busy_timeout = 5000;')
}

function create (db: DatabaseSync): void {
  db.exec('BEGIN')
  db.exec(DDL)
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION))
  db.exec('COMMIT')
}

/** Why an existing index cannot be used, or undefined when it can. */
function problemOf (db: DatabaseSync): string | undefined {
  try {
    const check = db.prepare('PRAGMA quick_check').get() as { quick_check?: string } | undefined
    if (check?.quick_check !== 'ok') return `corrupt (${String(check?.quick_check ?? 'no answer')})`
    const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value?: string } | undefined
    if (row?.value !== String(SCHEMA_VERSION)) return `schema version ${row?.value ?? 'none'}, want ${SCHEMA_VERSION}`
    return undefined
  } catch (err) {
    return `unreadable (${err instanceof Error ? err.message : String(err)})`
  }
}

function remove (file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) rmSync(f, { force: true })
}

/**
 * Open the index at `location` (a file, created with its folder when missing; or `:memory:`). An index that
 * is corrupt or of another schema version is deleted and created anew; a file that cannot be written falls
 * back to memory (the caller logs `rebuilt`).
 */
export function openIndex (location: IndexLocation): OpenedIndex {
  if (location === ':memory:') {
    const db = new DatabaseSync(':memory:')
    create(db)
    return { db, location, rebuilt: 'new' }
  }
  let rebuilt: string | undefined
  try {
    mkdirSync(dirname(location), { recursive: true })
    if (existsSync(location)) {
      const db = new DatabaseSync(location)
      const problem = problemOf(db)
      if (problem === undefined) {
        pragmas(db)
        return { db, location, rebuilt: undefined }
      }
      db.close()
      remove(location)
      rebuilt = problem
    }
    const db = new DatabaseSync(location)
    pragmas(db)
    create(db)
    return { db, location, rebuilt: rebuilt ?? 'new' }
  } catch (err) {
    const db = new DatabaseSync(':memory:')
    create(db)
    return { db, location: ':memory:', rebuilt: `unwritable: ${location}: ${err instanceof Error ? err.message : String(err)}; kept in memory instead` }
  }
}
