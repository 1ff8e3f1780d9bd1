/**
 * Building blocks of the config schema shared by every source: durations, TLS, static labels and the
 * fields every cluster has. Each source module extends {@link clusterBaseShape} with its own keys.
 */
import { z } from 'zod'
import { BASE_LABELS, CATALOGUE } from '../metrics/catalogue.js'
import { parseDuration } from '../util/duration.js'

/** Short text of a duration in ms, for messages: `90d`, `10m`, `250ms`. */
export function showDuration (ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

/**
 * A Prometheus-style duration string, parsed to milliseconds, between `minMs` and `maxMs` inclusive. Every
 * duration of the config is bounded: a mistyped `30d` timeout is an error at load, not a surprise at run time.
 */
export function duration (minMs: number, maxMs: number) {
  return z.string({ error: 'must be a duration such as 30s, 5m or 1h30m' }).transform((text, ctx) => {
    const ms = parseDuration(text)
    if (ms === undefined || ms <= 0) {
      ctx.addIssue({ code: 'custom', message: `invalid duration "${text}" (use e.g. 30s, 5m, 1h30m)` })
      return z.NEVER
    }
    if (ms < minMs || ms > maxMs) {
      ctx.addIssue({ code: 'custom', message: `"${text}" is out of range: use ${showDuration(minMs)} to ${showDuration(maxMs)}` })
      return z.NEVER
    }
    return ms
  })
}

/** Largest `max_response_bytes` allowed: one response is held in memory whole while it is decoded. */
export const MAX_RESPONSE_BYTES_LIMIT = 256 * 1024 * 1024

/** Bounds of the durations every cluster can set (also the global defaults' bounds). */
export const DURATION_BOUNDS = {
  interval: [100, 7 * 86_400_000],
  timeout: [100, 10 * 60_000],
  stale_after: [1000, 90 * 86_400_000],
} as const

/** TLS settings for talking to a cluster. Files are read at every (re)load, so rotated files are picked up. */
export const tlsSchema = z.strictObject({
  ca_file: z.string().min(1).optional(),
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  server_name: z.string().min(1).optional(),
  insecure_skip_verify: z.boolean().default(false),
}).refine(t => (t.cert_file === undefined) === (t.key_file === undefined), {
  message: 'cert_file and key_file go together',
})
export type TlsConfig = z.output<typeof tlsSchema>

/**
 * Label names a static label may not take: every label of the metric catalogue, the ones the exposition adds
 * to every per-cluster series (`cluster`, `source`), the ones Prometheus sets at scrape (`job`, `instance`),
 * and `le` and `quantile`, which Prometheus reserves for histograms and summaries.
 * A duplicate label name makes Prometheus drop the whole scrape, so this list is derived, never written by hand.
 */
export const RESERVED_LABELS: ReadonlySet<string> = new Set([
  ...BASE_LABELS, 'job', 'instance',
  // Meaningful to Prometheus on histograms and summaries only: promtool rejects them on gauges.
  'le', 'quantile',
  ...Object.values(CATALOGUE).flatMap(def => def.labels),
])

const labelName = z.string()
  .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'label names must match [a-zA-Z_][a-zA-Z0-9_]*')
  .refine(n => !n.startsWith('__'), 'label names starting with __ are reserved')
  .refine(n => !RESERVED_LABELS.has(n), 'this label name is set by the exporter itself')

/** A cluster name: becomes the `cluster` label, part of URLs and of archive paths. */
export const clusterName = z.string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'cluster names are 1-128 characters of A-Z a-z 0-9 . _ - and start with a letter or digit')

/** Keys every cluster has, whatever its source. */
export const clusterBaseShape = {
  name: clusterName,
  url: z.url({ protocol: /^https?$/, error: issue => (issue.input === undefined ? 'required' : 'must be an http:// or https:// URL') }),
  token: z.string().min(1).optional(),
  token_file: z.string().min(1).optional(),
  labels: z.record(labelName, z.string()).default({}),
  tls: tlsSchema.default({ insecure_skip_verify: false }),
  interval: duration(...DURATION_BOUNDS.interval).optional(),
  timeout: duration(...DURATION_BOUNDS.timeout).optional(),
  stale_after: duration(...DURATION_BOUNDS.stale_after).optional(),
  max_response_bytes: z.int({ error: 'must be a whole number of bytes' }).positive().max(MAX_RESPONSE_BYTES_LIMIT).optional(),
}
