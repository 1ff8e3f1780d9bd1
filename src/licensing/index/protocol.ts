/**
 * Messages between the exporter's thread and the index worker (worker.ts). Internal: both ends are this
 * program, so the types are trusted; every request carries an id, answered once.
 */
import type { RetainedArchive } from '../../archive/retention.js'
import type { VaultSpec } from '../../archive/store.js'
import type { ZipLimits } from '../zip.js'
import type { IndexLog, OrphanFolder, SyncRoot } from './engine.js'
import type { IndexReport, ReportQuery } from './query.js'

/** Settings the worker starts with. */
export interface WorkerSettings {
  /** Index file, or `:memory:`. */
  location: string
  maxArchiveBytes: number
  limits?: Partial<ZipLimits>
  /** Archives taken before this are not read (reports of one window). */
  takenFromMs?: number
  /** The archive a previous worker was reading when it died: recorded as refused, not read again. */
  crashed?: ArchiveRef
}

/** One archive of one cluster folder of a vault. */
export interface ArchiveRef { vault: VaultSpec, cluster: string, name: string, takenMs: number }

/** Counts of the index, for metrics and logs. */
export interface IndexStats {
  /** The file in use, or `:memory:`. */
  location: string
  /** Archives by verdict; `pending`: queued to be read or looked at again. */
  archives: { good: number, refused: number, quarantined: number, pending: number }
  /** Archives refused or quarantined, and files that are not archives, by vault (its id), cluster folder and reason. */
  refused: Array<{ vault: string, cluster: string, reason: string, count: number }>
  orphans: OrphanFolder[]
  /** Archives read since the worker started. */
  read: number
}

/** A request and its answer type. */
export interface Requests {
  sync: { args: { roots: SyncRoot[], nowMs: number, orphans: boolean }, result: undefined }
  archived: { args: { vault: VaultSpec, cluster: string, name: string, takenMs: number, nowMs: number }, result: { state: string, reason?: string, message?: string } }
  idle: { args: undefined, result: undefined }
  report: { args: ReportQuery, result: IndexReport }
  retention: { args: { vault: string, cluster: string }, result: RetainedArchive[] }
  stats: { args: undefined, result: IndexStats }
}

/** A request message. */
export type RequestMessage = { [K in keyof Requests]: { id: number, op: K, args: Requests[K]['args'] } }[keyof Requests]

/** What the worker sends: an answer, a log line, new stats, or that it is open. */
export type WorkerMessage =
  | { id: number, ok: true, value: unknown }
  | { id: number, ok: false, error: string }
  | { event: 'log', level: Parameters<IndexLog>[0], msg: string, fields: Record<string, unknown> }
  | { event: 'stats', stats: IndexStats }
  | { event: 'open', location: string, rebuilt: string | undefined }
  | { event: 'reading', archive: ArchiveRef | undefined }
