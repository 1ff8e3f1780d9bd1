/**
 * The latest result per cluster: the samples of its last successful poll (until they go stale), the outcome
 * of its last attempt, and its error counts. The poller writes here; the exposition and the HTTP API read.
 */
import { POLL_ERROR_REASONS, type PollError, type PollErrorReason } from '../sources/errors.js'
import type { MetricName } from '../metrics/catalogue.js'
import type { PartFailure, PollOutcome, Sample } from '../sources/types.js'

/** Identity and settings of a cluster as the store needs them. */
export interface ClusterIdentity {
  name: string
  type: string
  labels: Readonly<Record<string, string>>
  staleAfterMs: number
}

/** Everything known about one cluster. */
export interface ClusterState {
  readonly id: ClusterIdentity
  /** The store's {@link Store.version} at this cluster's last change (renderers cache per cluster on it). */
  version: number
  /** Samples of the last successful poll; emptied when older than `stale_after`. */
  samples: readonly Sample[]
  lastAttemptEndMs: number | undefined
  lastDurationMs: number | undefined
  lastSuccessMs: number | undefined
  up: boolean | undefined
  lastError: { reason: PollErrorReason, message: string, atMs: number } | undefined
  partFailures: readonly PartFailure[]
  /** Polls are skipped until then (a 429's Retry-After). */
  retryAtMs: number | undefined
  errors: Record<PollErrorReason, number>
  /** Extra health samples owned by other components (e.g. the snapshot archive); never go stale. */
  extras: Map<string, Sample>
}

function zeroCounts (): Record<PollErrorReason, number> {
  return Object.fromEntries(POLL_ERROR_REASONS.map(r => [r, 0])) as Record<PollErrorReason, number>
}

function endpointSamples (endpoints: PollOutcome['endpoints']): Sample[] {
  return Object.entries(endpoints).map(([endpoint, ok]) => ({ metric: 'license_cluster_endpoint_up', labels: { endpoint }, value: ok ? 1 : 0 }))
}

/** Same own keys in the same order with the same values; allocates nothing (it runs for every sample of every poll). */
function sameLabels (a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let i = 0
  for (const k in a) {
    if (!Object.hasOwn(a, k)) continue
    if (!Object.hasOwn(b, k) || a[k] !== b[k]) return false
    // k must also be b's i-th own key: labels are a handful, so a walk is cheaper than Object.keys' arrays.
    let j = 0
    let atI: string | undefined
    for (const kb in b) {
      if (!Object.hasOwn(b, kb)) continue
      if (j++ === i) { atI = kb; break }
    }
    if (atI !== k) return false
    i++
  }
  let n = 0
  for (const kb in b) if (Object.hasOwn(b, kb)) n++
  return n === i
}

/** True when two sample lists are equal, element by element (label order included). */
export function sameSamples (a: readonly Sample[], b: readonly Sample[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as Sample
    const y = b[i] as Sample
    if (x.metric !== y.metric || !Object.is(x.value, y.value) || !sameLabels(x.labels, y.labels)) return false
  }
  return true
}

/** In-memory state of all configured clusters, with change notification. */
export class Store {
  #clusters = new Map<string, ClusterState>()
  readonly #listeners = new Set<() => void>()
  #version = 0

  /** Increases at every change; the exposition re-renders when it moves. */
  get version (): number { return this.#version }

  /** Call `listener` after every change. Returns an unsubscribe function. */
  onChange (listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Count a change (stamped on the clusters that changed) and tell the listeners. */
  #changed (changed: Iterable<ClusterState>): void {
    this.#version++
    for (const st of changed) st.version = this.#version
    for (const l of this.#listeners) l()
  }

  /** Make the set of clusters match `ids`: new ones start empty, removed ones vanish, kept ones keep their data. */
  sync (ids: readonly ClusterIdentity[]): void {
    // A new map in the config's order (dropping clusters no longer configured): list() follows a reorder.
    const next = new Map<string, ClusterState>()
    for (const id of ids) {
      const existing = this.#clusters.get(id.name)
      if (existing !== undefined && existing.id.type === id.type) {
        next.set(id.name, { ...existing, id })
      } else {
        next.set(id.name, {
          id, version: 0, samples: [], lastAttemptEndMs: undefined, lastDurationMs: undefined, lastSuccessMs: undefined,
          up: undefined, lastError: undefined, partFailures: [], retryAtMs: undefined, errors: zeroCounts(), extras: new Map(),
        })
      }
    }
    this.#clusters = next
    this.#changed(this.#clusters.values())
  }

  /** Record a successful poll. */
  recordSuccess (name: string, outcome: PollOutcome, startMs: number, endMs: number): void {
    const st = this.#clusters.get(name)
    if (st === undefined) return
    const samples = [...outcome.samples, ...endpointSamples(outcome.endpoints)]
    // Unchanged values keep the old array, so the exposition can reuse what it rendered from it.
    if (!sameSamples(st.samples, samples)) st.samples = samples
    st.partFailures = outcome.partFailures
    st.up = true
    st.lastSuccessMs = endMs
    st.lastAttemptEndMs = endMs
    st.lastDurationMs = endMs - startMs
    st.retryAtMs = undefined
    this.#changed([st])
  }

  /** Record a failed poll: `up` drops at once; the last good samples stay until they are stale. */
  recordFailure (name: string, error: PollError, startMs: number, endMs: number): void {
    const st = this.#clusters.get(name)
    if (st === undefined) return
    st.up = false
    st.errors[error.reason]++
    st.lastError = { reason: error.reason, message: error.message, atMs: endMs }
    st.lastAttemptEndMs = endMs
    st.lastDurationMs = endMs - startMs
    st.retryAtMs = error.retryAtMs
    this.#changed([st])
  }

  /** Forget a cluster's back-off (a reload: the operator may have fixed what the vendor complained of). */
  clearRetry (name: string): boolean {
    const st = this.#clusters.get(name)
    if (st?.retryAtMs === undefined) return false
    st.retryAtMs = undefined
    this.#changed([st])
    return true
  }

  /** Set or clear (value `undefined`) an extra health sample of a cluster (e.g. of its snapshot archive). */
  setExtra (name: string, metric: MetricName, value: number | undefined, labels: Readonly<Record<string, string>> = {}): void {
    const st = this.#clusters.get(name)
    if (st === undefined) return
    const key = Object.keys(labels).length === 0 ? metric : `${metric}${JSON.stringify(labels)}`
    if (value === undefined) st.extras.delete(key)
    else st.extras.set(key, { metric, labels, value })
    this.#changed([st])
  }

  /** Drop the samples of clusters whose last success is older than their `stale_after`. True if any went. */
  expireStale (nowMs: number): boolean {
    const expired: ClusterState[] = []
    for (const st of this.#clusters.values()) {
      if (st.samples.length > 0 && (st.lastSuccessMs === undefined || nowMs - st.lastSuccessMs > st.id.staleAfterMs)) {
        st.samples = []
        expired.push(st)
      }
    }
    if (expired.length > 0) this.#changed(expired)
    return expired.length > 0
  }

  /** One cluster's state. */
  get (name: string): ClusterState | undefined { return this.#clusters.get(name) }

  /** All clusters, in config order. */
  list (): ClusterState[] { return [...this.#clusters.values()] }

  /** True when every cluster has been polled at least once (successfully or not). */
  allPolled (): boolean {
    for (const st of this.#clusters.values()) if (st.lastAttemptEndMs === undefined) return false
    return true
  }
}
