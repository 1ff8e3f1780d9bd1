/**
 * The config file's schema. Defaults live here and nowhere else; unknown keys are errors.
 * Cluster entries are validated by the schema of their source (see `src/sources/registry.ts`).
 */
import { z } from 'zod'
import { clusterSchema, type ClusterConfig } from '../sources/registry.js'
import { entitlementsSchema } from '../sources/entitlements.js'
import { DURATION_BOUNDS, MAX_RESPONSE_BYTES_LIMIT, duration } from '../sources/cluster.js'

const MIB = 1024 * 1024

/** `global:` - defaults for every cluster. */
export const globalSchema = z.strictObject({
  interval: duration(...DURATION_BOUNDS.interval).default(5 * 60_000),
  timeout: duration(...DURATION_BOUNDS.timeout).default(30_000),
  concurrency: z.int().min(1).max(4096).default(16),
  /** Unset: 15m, or three intervals when that is longer (see {@link effectiveSettings}). */
  stale_after: duration(...DURATION_BOUNDS.stale_after).optional(),
  max_response_bytes: z.int({ error: 'must be a whole number of bytes' }).positive().max(MAX_RESPONSE_BYTES_LIMIT).default(4 * MIB),
  /** Entitlements compared with the sum over all IBM License Service clusters. */
  entitlements: entitlementsSchema.default([]),
})
export type GlobalConfig = z.output<typeof globalSchema>

/** The whole file. */
export const configSchema = z.strictObject({
  global: globalSchema.default(() => globalSchema.parse({})),
  clusters: z.array(clusterSchema).default([]),
}).superRefine((config, ctx) => {
  const seen = new Map<string, number>()
  const services = new Map<string, number>()
  config.clusters.forEach((cluster, i) => {
    if (cluster.type === 'ibm_license_service') {
      // The same License Service twice would be counted twice in IBM's multicluster figure.
      const service = serviceKey(cluster.url)
      const first = services.get(service)
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['clusters', i, 'url'], message: `the same IBM License Service as clusters[${first}] ("${config.clusters[first]!.name}"): one cluster configured twice would be counted twice in the multicluster report` })
      } else {
        services.set(service, i)
      }
    }
    const first = seen.get(cluster.name)
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['clusters', i, 'name'], message: `duplicate cluster name "${cluster.name}" (also clusters[${first}])` })
    } else {
      seen.set(cluster.name, i)
    }
    if (cluster.token !== undefined && cluster.token_file !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['clusters', i, 'token'], message: 'set at most one of token and token_file' })
    }
  })
})
export type Config = z.output<typeof configSchema>

/** A base URL as a service identity: scheme, host (lower case) and port (default dropped), path without the trailing slash. */
function serviceKey (url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`
  } catch {
    return url
  }
}

/** A cluster's settings with the global defaults applied. */
export interface EffectiveSettings {
  intervalMs: number
  timeoutMs: number
  staleAfterMs: number
  maxResponseBytes: number
}

/** `stale_after` when none is set: 15 minutes, or three intervals when that is longer. */
export const DEFAULT_STALE_AFTER_MS = 15 * 60_000

/** Apply the `global:` defaults to one cluster (an unset `stale_after` follows the interval). */
export function effectiveSettings (cluster: ClusterConfig, global: GlobalConfig): EffectiveSettings {
  return {
    intervalMs: cluster.interval ?? global.interval,
    timeoutMs: cluster.timeout ?? global.timeout,
    staleAfterMs: cluster.stale_after ?? global.stale_after ?? Math.max(DEFAULT_STALE_AFTER_MS, 3 * (cluster.interval ?? global.interval)),
    maxResponseBytes: cluster.max_response_bytes ?? global.max_response_bytes,
  }
}
