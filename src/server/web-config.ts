/**
 * Web config in the style of Prometheus' exporter toolkit (`--web.config.file`): TLS for the server, basic
 * auth with bcrypt-hashed passwords, and/or a bearer token. Validated with zod; every endpoint but
 * `/healthz` then needs credentials.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import bcrypt from 'bcryptjs'
import { z } from 'zod'
import { ConfigError, issueLines, parseYaml, readConfigText } from '../config/load.js'
import { hasControlCharacter, keyPairProblem } from '../config/tls-files.js'

/** A bcrypt hash of cost 4 to 31 (what bcrypt computes: a cost outside hangs the start or fails each check). */
const BCRYPT = /^\$2[abxy]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/

/** The shortest bearer token accepted (inline or from its file). */
const MIN_BEARER_CHARS = 16

/** The web config file. */
export const webConfigSchema = z.strictObject({
  tls_server_config: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
  basic_auth_users: z.record(z.string().min(1).regex(/^[^:]+$/, 'user names cannot contain ":"'), z.string().regex(BCRYPT, 'must be a bcrypt hash of cost 04 to 31 (htpasswd -nBC 10 "" | tr -d \':\\n\')')).optional(),
  bearer_token: z.string().min(MIN_BEARER_CHARS, `use at least ${MIN_BEARER_CHARS} characters`).optional(),
  bearer_token_file: z.string().min(1).optional(),
}).refine(c => c.bearer_token === undefined || c.bearer_token_file === undefined, { message: 'set at most one of bearer_token and bearer_token_file', path: ['bearer_token'] })

/** A loaded web config: TLS material read, bearer token resolved. */
export interface WebConfig {
  tls: { cert: Buffer, key: Buffer } | undefined
  users: Readonly<Record<string, string>>
  bearerToken: string | undefined
}

/** Load and validate a web config file. Throws {@link ConfigError}. */
export async function loadWebConfig (file: string): Promise<WebConfig> {
  const parsed = webConfigSchema.safeParse(parseYaml(await readConfigText(file), file) ?? {})
  if (!parsed.success) throw new ConfigError(file, issueLines(parsed.error))
  const c = parsed.data
  // Relative paths are taken from the web config file's directory, as in the main config.
  const read = async (name: string, key: string): Promise<Buffer> => {
    const path = resolve(dirname(resolve(file)), name)
    try {
      return await readFile(path)
    } catch (err) {
      throw new ConfigError(file, [`${key}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`])
    }
  }
  const tls = c.tls_server_config === undefined ? undefined : {
    cert: await read(c.tls_server_config.cert_file, 'tls_server_config.cert_file'),
    key: await read(c.tls_server_config.key_file, 'tls_server_config.key_file'),
  }
  const pair = tls === undefined ? undefined : keyPairProblem(tls.cert, tls.key)
  if (pair !== undefined) throw new ConfigError(file, [`tls_server_config: ${pair}`])
  const bearerToken = c.bearer_token ?? (c.bearer_token_file === undefined ? undefined : (await read(c.bearer_token_file, 'bearer_token_file')).toString('utf8').trim())
  if (bearerToken !== undefined && hasControlCharacter(bearerToken)) throw new ConfigError(file, ['bearer_token: holds a control character (a line break?)'])
  if (bearerToken !== undefined && bearerToken.length < MIN_BEARER_CHARS) throw new ConfigError(file, [`bearer_token_file: use at least ${MIN_BEARER_CHARS} characters`])
  return { tls, users: c.basic_auth_users ?? {}, bearerToken }
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest()

/** How many password checks may be in line (the running one included); more are refused at once (a flood of wrong passwords). */
const MAX_WAITING = 8
/** A failed user/password pair is answered from memory this long. */
const FAILED_TTL_MS = 60_000
/** Bound of each cache. */
const CACHE_LIMIT = 1000

/** Compares a password with a bcrypt hash (injectable for tests). */
export type PasswordCompare = (password: string, hash: string) => Promise<boolean>

/**
 * Checks `Authorization` headers against a web config. Basic auth costs a bcrypt comparison (tens of ms of
 * event loop per check), so, as Prometheus' exporter toolkit does and beyond:
 * - successful checks are cached, so a scrape costs no bcrypt after the first;
 * - an unknown user is compared against a dummy hash of the same cost: the answer time does not tell
 *   known from unknown users;
 * - one comparison runs at a time (bcryptjs yields between chunks of at most 100 ms), at most
 *   {@link MAX_WAITING} are in line, and further attempts are refused without bcrypt;
 * - a failed pair is refused from memory for a minute.
 * So wrong passwords cannot starve the event loop that serves the scrapes.
 */
export class Authenticator {
  readonly #config: WebConfig
  readonly #compare: PasswordCompare
  readonly #verified = new Set<string>()
  readonly #failed = new Map<string, number>()
  #dummyHash: string | undefined
  #running: Promise<unknown> = Promise.resolve()
  #waiting = 0
  /** Attempts refused because too many were waiting (for tests and logs). */
  shed = 0

  constructor (config: WebConfig, opts: { compare?: PasswordCompare } = {}) {
    this.#config = config
    this.#compare = opts.compare ?? ((password, hash) => bcrypt.compare(password, hash))
    // Made at start, so that the first unknown user costs what a known one does.
    if (Object.keys(config.users).length > 0) this.#dummy()
  }

  /** True when the config asks for credentials at all. */
  get enabled (): boolean { return Object.keys(this.#config.users).length > 0 || this.#config.bearerToken !== undefined }

  /** The `WWW-Authenticate` challenge for a 401. */
  get challenge (): string { return Object.keys(this.#config.users).length > 0 ? 'Basic realm="license-exporter", charset="UTF-8"' : 'Bearer realm="license-exporter"' }

  /** Whether a request with this `Authorization` header may pass. */
  async check (header: string | undefined): Promise<boolean> {
    if (!this.enabled) return true
    if (header === undefined) return false
    const [scheme, ...rest] = header.trim().split(/\s+/)
    const value = rest.join(' ')
    if (scheme?.toLowerCase() === 'bearer' && this.#config.bearerToken !== undefined) {
      return timingSafeEqual(sha256(value), sha256(this.#config.bearerToken))
    }
    if (scheme?.toLowerCase() === 'basic') {
      const decoded = Buffer.from(value, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon < 0) return false
      const user = decoded.slice(0, colon)
      const password = decoded.slice(colon + 1)
      // Own keys only: a user named `constructor` or `__proto__` must not reach bcrypt with an inherited value.
      const known = Object.hasOwn(this.#config.users, user) ? this.#config.users[user] : undefined
      const hash = known ?? this.#dummy()
      const key = sha256(`${user}\0${password}\0${hash}`).toString('hex')
      if (this.#verified.has(key)) return true
      const failedUntil = this.#failed.get(key)
      if (failedUntil !== undefined && failedUntil > Date.now()) return false
      const ok = await this.#serialised(() => this.#compare(password, hash))
      if (ok === undefined) return false
      if (ok && known !== undefined) {
        if (this.#verified.size < CACHE_LIMIT) this.#verified.add(key)
        return true
      }
      if (this.#failed.size >= CACHE_LIMIT) this.#failed.clear()
      this.#failed.set(key, Date.now() + FAILED_TTL_MS)
      return false
    }
    return false
  }

  /** A bcrypt hash of a random password at the configured cost, compared for unknown users. */
  #dummy (): string {
    if (this.#dummyHash === undefined) {
      const cost = Number(/^\$2[abxy]?\$(\d{2})\$/.exec(Object.values(this.#config.users)[0] ?? '')?.[1] ?? 10)
      this.#dummyHash = bcrypt.hashSync(randomBytes(16).toString('hex'), cost)
    }
    return this.#dummyHash
  }

  /** Run one comparison at a time; undefined (refused) when too many are waiting. */
  async #serialised (work: () => Promise<boolean>): Promise<boolean | undefined> {
    if (this.#waiting >= MAX_WAITING) {
      this.shed++
      return undefined
    }
    this.#waiting++
    const turn = this.#running.then(async () => {
      this.#waiting--
      return await work()
    })
    this.#running = turn.catch(() => undefined)
    return await turn
  }
}
