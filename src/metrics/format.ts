/**
 * The Prometheus text format (0.0.4) and OpenMetrics 1.0 as the per-cluster series need them: family headers,
 * label escaping and sample lines. Both formats share sample lines; they differ in the headers of counters
 * (OpenMetrics names the family without `_total`) and in HELP escaping. Pure functions, no I/O.
 */
import type { MetricDef } from './catalogue.js'

/** Exposition formats. */
export type Format = 'text' | 'openmetrics'

const NEEDS_LABEL_ESCAPE = /[\\"\n]/

/** A label value with `\`, `"` and newline escaped (the same in both formats). */
export function escapeLabelValue (value: string): string {
  if (!NEEDS_LABEL_ESCAPE.test(value)) return value
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

/** `name="value",...` for a label set (no braces); label names are valid by construction. */
export function formatLabels (labels: Readonly<Record<string, string>>): string {
  let out = ''
  for (const name in labels) out += `${out === '' ? '' : ','}${name}="${escapeLabelValue(labels[name] ?? '')}"`
  return out
}

/** A sample value as both formats spell it. */
export function formatValue (value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

/** The `# HELP` and `# TYPE` lines of a family. `name` is the sample name (counters end in `_total`). */
export function familyHeader (name: string, def: MetricDef, format: Format): string {
  // Both formats escape `\` and newlines in HELP; OpenMetrics also escapes `"` and drops a counter's `_total`.
  const help = def.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
  const [family, text] = format === 'text'
    ? [name, help]
    : [def.type === 'counter' ? name.replace(/_total$/, '') : name, help.replace(/"/g, '\\"')]
  return `# HELP ${family} ${text}\n# TYPE ${family} ${def.type}\n`
}
