/**
 * A vault: where a cluster's archives are kept. The local directory (vault.ts, listing.ts) or a bucket of
 * S3-compatible object storage (s3-vault.ts), behind one interface used by the archiver (writes, retention)
 * and by the evidence index (listing, reading). A {@link VaultSpec} names one and is plain data: it crosses to
 * the index worker, which opens its own.
 */
import type { FileHandle } from 'node:fs/promises'
import type { SnapshotConfig } from '../sources/ibm/schema.js'
import type { S3StoreConfig } from '../sources/ibm/store-schema.js'
import type { ClusterSummary, RefusedFile } from './listing.js'

/** A vault, as data. `id` names it in the index and the metrics; `directory` is the local folder (with a bucket: its spool). */
export type VaultSpec =
  | { kind: 'directory', id: string, directory: string }
  | { kind: 's3', id: string, directory: string, s3: S3StoreConfig }

/** A local directory vault. */
export function directoryVault (directory: string): VaultSpec {
  return { kind: 'directory', id: directory, directory }
}

/** A bucket vault; `directory` holds its spool. */
export function bucketVault (s3: S3StoreConfig, directory: string): VaultSpec & { kind: 's3' } {
  const where = s3.endpoint === undefined ? 's3://' : `${s3.endpoint.replace(/\/+$/, '')}/`
  return { kind: 's3', id: `${where}${s3.bucket}/${s3.prefix}`, directory, s3 }
}

/** The vault a cluster's `snapshot:` names. */
export function vaultSpec (snapshot: Pick<SnapshotConfig, 'directory' | 'store'>): VaultSpec {
  return snapshot.store.type === 's3' ? bucketVault(snapshot.store, snapshot.directory) : directoryVault(snapshot.directory)
}

/** An archive as a vault lists it. For a bucket, `mtimeMs` is the object's last-modified time and `ino` 0. */
export interface StoredArchive {
  name: string
  /** Snapshot time, from the name. */
  takenMs: number
  size: number
  mtimeMs: number
  ino: number
}

/** What a cluster's part of a vault holds. */
export interface VaultListing {
  /** Oldest first. */
  archives: StoredArchive[]
  /** Entries named like archives that are not (links, FIFOs, bad names). */
  refused: RefusedFile[]
}

/** An archive's bytes: whole in memory when small, else a local file (read through its handle). */
export type ArchiveBytes = { buffer: Buffer } | { handle: FileHandle, size: number }

/** An archive opened for reading; `close` releases it (a temp copy of an object is removed). */
export interface OpenedArchive {
  size: number
  mtimeMs: number
  ino: number
  /** Undefined when the archive is bigger than the `maxBytes` it was opened with (it is not read). */
  bytes: ArchiveBytes | undefined
  close (): Promise<void>
}

/** Metadata stored with an object (cluster, its id, the period it covers). */
export type ArchiveMetadata = Record<string, string>

/** One vault. Errors are {@link VaultError}s (local) or {@link StoreError}s (bucket), with a reason. */
export interface Vault {
  readonly spec: VaultSpec
  /** The bucket keeps every object until its Object Lock retention ends: the exporter never deletes. */
  readonly locked: boolean
  list (cluster: string): Promise<VaultListing>
  /** A cheap summary of a cluster's archives for the archiver: count, newest not after `notAfterMs`, temp files. */
  summary (cluster: string, notAfterMs: number): Promise<ClusterSummary>
  /** The clusters the vault has archives of (folders, or key prefixes). */
  folders (): Promise<string[]>
  /** Open an archive; one bigger than `maxBytes` is not read (`bytes` undefined). */
  open (cluster: string, name: string, maxBytes: number): Promise<OpenedArchive>
  /** An archive's size and times, or undefined when it is not there. */
  stat (cluster: string, name: string): Promise<StoredArchive | undefined>
  /** Store an archive under `name`, never over another: `exists` when that name is taken already. */
  put (cluster: string, name: string, body: Buffer, metadata: ArchiveMetadata): Promise<'created' | 'exists'>
  /** Remove archives (retention); returns the names removed. Never removes anything from a locked bucket. */
  remove (cluster: string, names: readonly string[]): Promise<string[]>
}

/**
 * Why a bucket could not be used: `store_unreachable` (no connection, DNS, timeout), `store_auth` (403: access
 * denied, wrong or expired key), `store_not_found` (no such bucket), `store_throttled` (503 SlowDown or 429
 * after the retries), `store_error` (any other answer).
 */
export type StoreReason = 'store_unreachable' | 'store_auth' | 'store_not_found' | 'store_throttled' | 'store_error'

/** Every {@link StoreReason}, for counters that start at 0. */
export const STORE_REASONS: readonly StoreReason[] = ['store_unreachable', 'store_auth', 'store_not_found', 'store_throttled', 'store_error']

/** A bucket failure with its reason. */
export class StoreError extends Error {
  constructor (readonly reason: StoreReason, message: string) { super(message) }
}
