/**
 * Building blocks of the config schema shared by every source: durations, TLS, static labels and the
 * fields every cluster has. Each source module extends {@link clusterBaseShape} with its own keys.
 */
import { z } from 'zod'
import { BASE_LABELS, CATALOGUE } from '../metrics/catalogue.js'
import { parseDuration } from '../util/duration.js'

/** A Prometheus-style duration string, parsed to milliseconds. */
export const duration = z.string().transform((text, ctx) => {
  const ms = parseDuration(text)
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `invalid duration "${text}" (use e.g. 30s, 5m, 1h30m)` })
    return z.NEVER
  }
  return ms
})

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
 * to every per-cluster series (`cluster`, `source`), and the ones Prometheus sets at scrape (`job`, `instance`).
 * A duplicate label name makes Prometheus drop the whole scrape, so this list is derived, never written by hand.
 */
export const RESERVED_LABELS: ReadonlySet<string> = new Set([
  ...BASE_LABELS, 'job', 'instance',
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
  interval: duration.optional(),
  timeout: duration.optional(),
  stale_after: duration.optional(),
  max_response_bytes: z.int().positive().optional(),
}
