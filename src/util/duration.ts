/** Prometheus-style durations: `1h30m`, `5m`, `30s`, `250ms`, `1d`, `1w`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 }
const WHOLE = /^(?:\d+(?:ms|[smhdwy]))+$/
const PART = /(\d+)(ms|[smhdwy])/g

/** Milliseconds of a Prometheus duration string, or `undefined` when it is not one. */
export function parseDuration (text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined
  let total = 0
  for (const m of text.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0)
  return total
}
