/**
 * Loading the config file: YAML, `${ENV}` expansion in string values, schema validation, token files.
 * Every problem is reported with the path of the bad key, e.g. `clusters[1].url: must be an http:// ...`.
 */
import { readFile } from 'node:fs/promises'
import { parseDocument } from 'yaml'
import type { z } from 'zod'
import { formatPath } from '../util/path.js'
import { configSchema, type Config } from './schema.js'

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

/** Parse YAML text to plain data; syntax errors and unresolved aliases become a {@link ConfigError}. */
export function parseYaml (text: string, file: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true })
  if (doc.errors.length > 0) {
    throw new ConfigError(file, doc.errors.map(e => `YAML: ${e.message.split('\n')[0] ?? e.message}`))
  }
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

/** Parse and validate config text. Token files are read here too, so a missing one is a load error. */
export async function parseConfig (text: string, file: string, env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const js = parseYaml(text, file)
  const problems: string[] = []
  const raw = expandEnv(js ?? {}, [], env, problems)
  if (problems.length > 0) throw new ConfigError(file, problems)
  const parsed = configSchema.safeParse(raw)
  if (!parsed.success) throw new ConfigError(file, issueLines(parsed.error))
  const config = parsed.data
  await Promise.all(config.clusters.map(async (cluster, i) => {
    if (cluster.token_file === undefined) return
    try {
      const token = (await readFile(cluster.token_file, 'utf8')).trim()
      if (token === '') problems.push(`clusters[${i}].token_file: file ${cluster.token_file} is empty`)
      cluster.token = token
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable'
      problems.push(`clusters[${i}].token_file: cannot read ${cluster.token_file} (${code})`)
    }
  }))
  if (problems.length > 0) throw new ConfigError(file, problems)
  return deepFreeze(config)
}

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
