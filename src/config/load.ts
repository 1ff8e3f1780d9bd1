/**
 * Loading the config file: YAML, `${ENV}` expansion in string values, schema validation, token files.
 * Every problem is reported with the path of the bad key, e.g. `clusters[1].url: must be an http:// ...`.
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parseDocument, type YAMLError } from 'yaml'
import type { z } from 'zod'
import { formatPath } from '../util/path.js'
import { configErrorMap } from './messages.js'
import { configSchema, effectiveSettings, type Config } from './schema.js'
import { caProblem, hasControlCharacter, keyPairProblem } from './tls-files.js'

/** A config file that cannot be used; `problems` are `path: message` lines. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly problems: string[]
  constructor (file: string, problems: string[]) {
    super(`invalid config ${file}:\n  ${problems.join('\n  ')}`)
    this.problems = problems
  }
}

/** `path: message` lines of a zod error (unknown keys and bad record keys named by their own path). */
export function issueLines (error: z.ZodError): string[] {
  return error.issues.flatMap(issue => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map(k => `${formatPath([...issue.path, k])}: unknown key`)
    // A bad record key: the key's own schema has the useful message.
    if (issue.code === 'invalid_key') return issue.issues.map(inner => `${formatPath(issue.path)}: ${inner.message}`)
    return [`${formatPath(issue.path)}: ${issue.message}`]
  })
}

const ENV_REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/** Expand `${VAR}` in every string value (not in keys); `$$` stands for a literal `$`. */
function expandEnv (value: unknown, path: PropertyKey[], env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (whole, name: string | undefined) => {
      if (name === undefined) return '$'
      const v = env[name]
      if (v === undefined) {
        problems.push(`${formatPath(path)}: environment variable ${name} is not set`)
        return whole
      }
      return v
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, [...path, i], env, problems))
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, [...path, k], env, problems)]))
  }
  return value
}

/** One YAML problem as `YAML line L, column C: message`, with the offending line quoted. */
function yamlProblem (e: YAMLError, text: string): string {
  const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '').replace(/:$/, '')
  const pos = e.linePos?.[0]
  if (pos === undefined) return `YAML: ${message}`
  const line = text.split(/\r?\n/)[pos.line - 1] ?? ''
  return `YAML line ${pos.line}, column ${pos.col}: ${message} (near "${line.trim().slice(0, 60)}")`
}

/** Parse YAML text to plain data; syntax errors and unresolved aliases become a {@link ConfigError}. */
export function parseYaml (text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) throw new ConfigError(file, doc.errors.map(e => yamlProblem(e, text)))
  try {
    return doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    throw new ConfigError(file, [`YAML: ${err instanceof Error ? err.message : String(err)}`])
  }
}

/** Read a text file; failure is a {@link ConfigError}. */
export async function readConfigText (file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (err) {
    throw new ConfigError(file, [`cannot read file (${(err as NodeJS.ErrnoException).code ?? String(err)})`])
  }
}

type Raw = Record<string, unknown>
const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v)

/** Files a cluster entry names, by key path, resolved against the config file's directory. */
function clusterFiles (raw: unknown, baseDir: string): Array<{ path: string, file: string, token: boolean }> {
  const clusters = isMap(raw) && Array.isArray(raw.clusters) ? raw.clusters : []
  return clusters.flatMap((c: unknown, i) => {
    if (!isMap(c)) return []
    const out: Array<{ path: string, file: string, token: boolean }> = []
    if (typeof c.token_file === 'string' && c.token_file !== '') out.push({ path: `clusters[${i}].token_file`, file: resolve(baseDir, c.token_file), token: true })
    const tls = c.tls
    if (isMap(tls)) {
      for (const key of ['ca_file', 'cert_file', 'key_file']) {
        const f = tls[key]
        if (typeof f === 'string' && f !== '') out.push({ path: `clusters[${i}].tls.${key}`, file: resolve(baseDir, f), token: false })
      }
    }
    // The bucket's key files must be there and not empty (they are read again when they change, as tokens are).
    for (const [key, f] of storeFiles(c)) out.push({ path: `clusters[${i}].snapshot.store.${key}`, file: resolve(baseDir, f), token: key !== 'tls.ca_file' })
    return out
  })
}

/** The files of a cluster's `snapshot.store`, by key. */
function storeFiles (c: Raw): Array<[string, string]> {
  const store = isMap(c.snapshot) ? c.snapshot.store : undefined
  if (!isMap(store)) return []
  const out: Array<[string, string]> = []
  for (const key of ['access_key_id_file', 'secret_access_key_file']) if (typeof store[key] === 'string' && store[key] !== '') out.push([key, store[key]])
  if (isMap(store.tls) && typeof store.tls.ca_file === 'string' && store.tls.ca_file !== '') out.push(['tls.ca_file', store.tls.ca_file])
  return out
}

/** Paths in a config relative to its file's directory are made absolute (as Prometheus does). */
function resolvePaths (raw: unknown, baseDir: string): void {
  const clusters = isMap(raw) && Array.isArray(raw.clusters) ? raw.clusters : []
  for (const c of clusters) {
    if (!isMap(c)) continue
    if (typeof c.token_file === 'string' && c.token_file !== '') c.token_file = resolve(baseDir, c.token_file)
    if (isMap(c.tls)) for (const key of ['ca_file', 'cert_file', 'key_file']) if (typeof c.tls[key] === 'string' && c.tls[key] !== '') c.tls[key] = resolve(baseDir, c.tls[key])
    if (isMap(c.snapshot) && typeof c.snapshot.directory === 'string' && c.snapshot.directory !== '') c.snapshot.directory = resolve(baseDir, c.snapshot.directory)
    const store = isMap(c.snapshot) ? c.snapshot.store : undefined
    if (isMap(store)) {
      for (const key of ['access_key_id_file', 'secret_access_key_file']) if (typeof store[key] === 'string' && store[key] !== '') store[key] = resolve(baseDir, store[key])
      if (isMap(store.tls) && typeof store.tls.ca_file === 'string' && store.tls.ca_file !== '') store.tls.ca_file = resolve(baseDir, store.tls.ca_file)
    }
  }
}

/**
 * The file without its top-level `x-` keys: extension fields, a place for YAML anchors (`x-store: &store`)
 * that entries below use (`store: *store`), as in Compose files.
 */
function withoutExtensions (js: unknown): unknown {
  if (js === null || typeof js !== 'object' || Array.isArray(js)) return js
  return Object.fromEntries(Object.entries(js).filter(([k]) => !k.startsWith('x-')))
}

/**
 * Parse and validate config text. Every problem is reported at once: unset environment variables, schema
 * errors, and token and TLS files that cannot be read (a missing CA file is a config error, not a network
 * fault at the first poll). Relative file paths are taken from the config file's directory.
 */
export async function parseConfig (text: string, file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const js = withoutExtensions(parseYaml(text, file))
  if (js === null || js === undefined) throw new ConfigError(file, ['the file is empty: expected at least "clusters:" with one cluster (see config/example.yaml)'])
  const problems: string[] = []
  const raw = expandEnv(js, [], env, problems)
  const unexpanded = new Set(problems.map(p => p.slice(0, p.indexOf(': '))))
  const baseDir = dirname(resolve(file))
  resolvePaths(raw, baseDir)
  const parsed = configSchema.safeParse(raw, { error: configErrorMap })
  if (!parsed.success) {
    // A value with an unset variable in it is reported once, as such; not again as a bad value.
    problems.push(...issueLines(parsed.error).filter(line => !unexpanded.has(line.slice(0, line.indexOf(': ')))))
  }
  const tokens = new Map<string, string>()
  const tlsText = new Map<string, string>()
  await Promise.all(clusterFiles(raw, baseDir).map(async ({ path, file: name, token }) => {
    try {
      const content = await readFile(name, 'utf8')
      if (token) {
        // A trailing line break (echo > file) is dropped; one inside the token would fail every request.
        if (content.trim() === '') problems.push(`${path}: file ${name} is empty`)
        else if (hasControlCharacter(content.trim())) problems.push(`${path}: file ${name} holds a control character (a line break?) inside the secret`)
        tokens.set(path, content.trim())
      } else {
        tlsText.set(path, content)
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable'
      problems.push(`${path}: cannot read ${name} (${code})`)
    }
  }))
  problems.push(...tlsProblems(tlsText))
  if (parsed.success) problems.push(...settingProblems(parsed.data))
  if (problems.length > 0 || !parsed.success) throw new ConfigError(file, problems)
  const config = parsed.data
  config.clusters.forEach((cluster, i) => {
    const token = tokens.get(`clusters[${i}].token_file`)
    if (token !== undefined) cluster.token = token
  })
  return deepFreeze(config)
}

/** TLS files that do not parse, or a key that does not belong to its certificate (by key path). */
function tlsProblems (files: ReadonlyMap<string, string>): string[] {
  const out: string[] = []
  for (const [path, text] of files) {
    if (path.endsWith('ca_file')) {
      const p = caProblem(text)
      if (p !== undefined) out.push(`${path}: ${p}`)
    } else if (path.endsWith('.cert_file')) {
      const key = files.get(path.replace(/cert_file$/, 'key_file'))
      const p = key === undefined ? undefined : keyPairProblem(text, key)
      if (p !== undefined) out.push(`${path}: ${p}`)
    }
  }
  return out
}

/** Settings that load but cannot work together: an inline token with a control character; series that expire between polls. */
function settingProblems (config: Config): string[] {
  const out: string[] = []
  config.clusters.forEach((c, i) => {
    if (c.token !== undefined && hasControlCharacter(c.token)) out.push(`clusters[${i}].token: holds a control character (a line break?)`)
    const s = effectiveSettings(c, config.global)
    if (s.staleAfterMs <= s.intervalMs) {
      const where = c.stale_after !== undefined ? `clusters[${i}].stale_after` : c.interval !== undefined ? `clusters[${i}].interval` : 'global.interval'
      out.push(`${where}: stale_after (${formatMs(s.staleAfterMs)}) must be longer than interval (${formatMs(s.intervalMs)}) for cluster "${c.name}": its series would be removed between two polls; use at least twice the interval`)
    }
  })
  return out
}

const formatMs = (ms: number): string => ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`

/** Read, parse and validate a config file. Throws {@link ConfigError}. */
export async function loadConfig (file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  return parseConfig(await readConfigText(file), file, env)
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
