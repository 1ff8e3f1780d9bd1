/** `clusters[1].tls.ca_file` from `['clusters', 1, 'tls', 'ca_file']` (config errors and response errors). */
export function formatPath (path: readonly PropertyKey[]): string {
  let out = ''
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out === '' ? '' : '.'}${String(p)}`
  return out === '' ? '(top level)' : out
}
