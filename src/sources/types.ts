/** What every source module provides, and what it gets from the poller. */
import type { Logger } from 'pino'
import type { z } from 'zod'
import type { PollErrorReason } from './errors.js'
import type { MetricName } from '../metrics/catalogue.js'
import type { HttpTarget } from './http.js'

/** One value of one series. `cluster`, `source` and static labels are added by the metrics layer. */
export interface Sample {
  metric: MetricName
  labels: Readonly<Record<string, string>>
  value: number
}

/** A sample with all its labels (`cluster` and `source` included), e.g. a sum over clusters. */
export interface LabeledSample {
  metric: MetricName
  labels: Readonly<Record<string, string>>
  value: number
}

/** A part of a poll that failed without failing the poll (an optional endpoint). */
export interface PartFailure {
  part: string
  reason: PollErrorReason
  message: string
}

/** What a successful poll returns. */
export interface PollOutcome {
  samples: Sample[]
  /** Optional parts that could not be read; their series are absent. */
  partFailures: PartFailure[]
  /** Parts of the poll, and whether each answered (`license_cluster_endpoint_up`). */
  endpoints: Readonly<Record<string, boolean>>
}

/** What a source needs for one poll. */
export interface PollContext {
  /** Aborted at the poll's deadline or at shutdown. */
  signal: AbortSignal
  /** The cluster's connections, base URL and limits. */
  http: HttpTarget
  /** The cluster's token, if any. Never log it. */
  token: string | undefined
  log: Logger
}

/** A vendor API: its cluster config schema and how to poll one cluster. Throws `PollError` on failure. */
export interface Source<S extends z.ZodObject = z.ZodObject> {
  readonly type: string
  /** Strict schema of a cluster entry of this type (extends `clusterBaseShape`, has a literal `type`). */
  readonly schema: S
  poll (cluster: z.output<S>, ctx: PollContext): Promise<PollOutcome>
}
