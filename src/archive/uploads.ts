/**
 * Putting a downloaded snapshot into a bucket, never losing it: the object is created (or found created by
 * another replica: the same name is the same bytes); when the bucket cannot take it, the snapshot goes to the
 * {@link Spool} and is uploaded by {@link Uploads.drain} later, oldest first, until the bucket takes it.
 * Also the snapshot time of a bucket: the download time rounded down to the hour (or to the interval when it
 * is shorter), so that replicas downloading the same snapshot name it alike.
 */
import type { Logger } from 'pino'
import { Spool, type Spooled } from './spool.js'
import { StoreError, type ArchiveMetadata, type VaultSpec } from './store.js'
import { openVault } from './vaults.js'

const HOUR_MS = 3_600_000
/** Reasons that say the whole bucket cannot be used now (others may concern one cluster's keys). */
const BUCKET_DOWN = new Set(['store_unreachable', 'store_throttled', 'store_not_found'])

/** The snapshot time of a download at `nowMs` into a bucket (see the file comment). */
export function bucketSlot (nowMs: number, intervalMs: number): number {
  const grain = Math.min(intervalMs, HOUR_MS)
  return Math.floor(nowMs / grain) * grain
}

/** What became of a snapshot: stored (`created`, or `exists`: written by another replica), or spooled. */
export type UploadOutcome = { stored: 'created' | 'exists' } | { spooled: StoreError }

/** Options of {@link Uploads}. */
export interface UploadsOptions {
  log: Logger
  /** The metadata of a snapshot (cluster id, covered period), stored with its object. */
  describe: (body: Buffer) => Promise<ArchiveMetadata>
  /** Largest snapshot read back from the spool. */
  maxBytes: number
}

/** A spooled snapshot that is in the bucket now. */
export interface Uploaded extends Spooled {
  vault: VaultSpec
  outcome: 'created' | 'exists'
}

/** What a drain did. */
export interface DrainResult {
  uploaded: Uploaded[]
  /** Per cluster, the upload failure that stopped the drain of its bucket. */
  failed: Map<string, StoreError>
  /** Snapshots still spooled, per cluster. */
  left: Map<string, number>
}

/** See the file comment. */
export class Uploads {
  readonly #opts: UploadsOptions

  constructor (opts: UploadsOptions) {
    this.#opts = opts
  }

  /** The object metadata of a cluster's snapshot (values percent-encoded: S3 metadata is ASCII). */
  async metadata (cluster: string, body: Buffer): Promise<ArchiveMetadata> {
    const described = await this.#opts.describe(body).catch(() => ({}))
    return { cluster: encodeURIComponent(cluster), ...described }
  }

  /** Create the object; when the bucket cannot be written, spool the snapshot (a spool failure throws). */
  async put (spec: VaultSpec, cluster: string, name: string, body: Buffer): Promise<UploadOutcome> {
    try {
      return { stored: await openVault(spec).put(cluster, name, body, await this.metadata(cluster, body)) }
    } catch (err) {
      if (!(err instanceof StoreError)) throw err
      await new Spool(spec.directory).add(cluster, name, body)
      return { spooled: err }
    }
  }

  /**
   * Upload what the spools (by directory) hold, oldest first. `specOf` gives the bucket of a spooled cluster:
   * one it does not know (gone from the config since the exporter started) stays in the spool, with a warning,
   * rather than go to another cluster's bucket. A bucket that cannot be reached (or is throttled, or missing)
   * is not tried again in this drain; a refusal of one cluster's objects (403, any other error) stops only that
   * cluster's. A damaged spool file is logged and left.
   */
  async drain (directories: Iterable<string>, specOf: (cluster: string, directory: string) => VaultSpec | undefined): Promise<DrainResult> {
    const out: DrainResult = { uploaded: [], failed: new Map(), left: new Map() }
    const down = new Set<string>()
    for (const directory of directories) {
      const spool = new Spool(directory)
      const items = await spool.list().catch((err: unknown) => {
        this.#opts.log.warn({ spool: spool.directory, err: String(err) }, 'cannot list the snapshot spool')
        return []
      })
      const unknown = new Set<string>()
      for (const s of items) {
        const spec = specOf(s.cluster, directory)
        if (spec === undefined) unknown.add(s.cluster)
        else if (!down.has(spec.id) && !down.has(`${spec.id}\0${s.cluster}`) && await this.#upload(spool, s, spec, out, down)) continue
        out.left.set(s.cluster, (out.left.get(s.cluster) ?? 0) + 1)
      }
      for (const cluster of unknown) this.#opts.log.warn({ cluster, spool: spool.directory }, 'spooled snapshots of a cluster whose bucket is not known (not in the config): left in the spool; configure the cluster again, or upload them with --snapshot.migrate')
    }
    return out
  }

  /** Upload one spooled snapshot; true when the bucket holds it now (and the spool file is gone). */
  async #upload (spool: Spool, s: Spooled, spec: VaultSpec, out: DrainResult, down: Set<string>): Promise<boolean> {
    let body: Buffer
    try {
      body = await spool.read(s, this.#opts.maxBytes)
    } catch (err) {
      this.#opts.log.error({ cluster: s.cluster, file: s.name, err: String(err) }, 'a spooled snapshot cannot be read; it is left in the spool')
      return false
    }
    try {
      const outcome = await openVault(spec).put(s.cluster, s.name, body, await this.metadata(s.cluster, body))
      await spool.remove(s).catch((err: unknown) => {
        // Stays until the next drain finds the object there (`exists`) and removes it then.
        this.#opts.log.warn({ cluster: s.cluster, file: s.name, err: String(err) }, 'an uploaded snapshot could not be removed from the spool')
      })
      out.uploaded.push({ ...s, vault: spec, outcome })
      return true
    } catch (err) {
      if (!(err instanceof StoreError)) throw err
      down.add(BUCKET_DOWN.has(err.reason) ? spec.id : `${spec.id}\0${s.cluster}`)
      out.failed.set(s.cluster, err)
      return false
    }
  }
}
