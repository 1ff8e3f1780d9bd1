/**
 * The registry of sources: cluster `type` -> source module. Adding a vendor is one module and one line here.
 */
import { z } from 'zod'
import { dynatraceSource } from './dynatrace/client.js'
import { ibmSource } from './ibm/client.js'
import type { PollContext, PollOutcome } from './types.js'

const SOURCES = {
  dynatrace_managed: dynatraceSource,
  ibm_license_service: ibmSource,
} as const

type Registered = (typeof SOURCES)[keyof typeof SOURCES]

/** The `type` values the config accepts. */
export const SOURCE_TYPES = Object.keys(SOURCES) as Array<keyof typeof SOURCES>

const schemas = Object.values(SOURCES).map(s => s.schema) as [Registered['schema'], ...Array<Registered['schema']>]

/** A cluster entry, validated by the schema of its `type`. */
export const clusterSchema = z.discriminatedUnion('type', schemas, {
  error: issue => issue.code === 'invalid_union' ? `unknown or missing type (one of: ${SOURCE_TYPES.join(', ')})` : undefined,
})

/** A validated cluster entry of any source. */
export type ClusterConfig = z.output<typeof clusterSchema>

/** Poll a cluster with the source of its `type`. */
export function pollCluster (cluster: ClusterConfig, ctx: PollContext): Promise<PollOutcome> {
  const source = SOURCES[cluster.type] as { poll: (c: ClusterConfig, ctx: PollContext) => Promise<PollOutcome> }
  return source.poll(cluster, ctx)
}
