/**
 * The S3 client of a bucket (the official `@aws-sdk/client-s3`): endpoint and path-style for IBM COS, ODF,
 * Ceph and MinIO; a CA file; an access key read from files again every minute (a rotated secret needs no
 * restart; at once after a 403), or the SDK's own chain (environment, web identity / IRSA, instance role); the SDK's standard
 * retries (backoff with jitter) for throttling and 5xx. Failures become {@link StoreError}s with a reason and a
 * message that names the bucket, never a key.
 */
import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { S3Client } from '@aws-sdk/client-s3'
import type { S3StoreConfig } from '../sources/ibm/store-schema.js'
import { StoreError, type StoreReason } from './store.js'

/** How long credentials read from files are used before the files are read again. */
const CREDENTIALS_MS = 60_000
/** The SDK takes credentials expiring within 5 minutes for expired: this makes it ask before every request (they are cached here). */
const SDK_EXPIRY_WINDOW_MS = 300_000

/**
 * An access key from two files, read again every minute, and at once after the store refused it
 * ({@link invalidate}): a rotated Secret is used without a restart. The SDK asks for it before each request.
 */
export class FileCredentials {
  readonly #idFile: string
  readonly #secretFile: string
  #cached: { accessKeyId: string, secretAccessKey: string } | undefined
  #readAt = 0

  constructor (idFile: string, secretFile: string) {
    this.#idFile = idFile
    this.#secretFile = secretFile
  }

  /** Read the files again at the next request. */
  invalidate (): void { this.#readAt = 0 }

  /** The credentials (the SDK's identity provider). */
  readonly provide = async (): Promise<{ accessKeyId: string, secretAccessKey: string, expiration: Date }> => {
    if (this.#cached === undefined || Date.now() - this.#readAt >= CREDENTIALS_MS) {
      const [id, secret] = await Promise.all([readFile(this.#idFile, 'utf8'), readFile(this.#secretFile, 'utf8')])
      this.#cached = { accessKeyId: id.trim(), secretAccessKey: secret.trim() }
      this.#readAt = Date.now()
    }
    return { ...this.#cached, expiration: new Date(Date.now() + SDK_EXPIRY_WINDOW_MS) }
  }
}

/** A client for the bucket of `cfg`, and its file credentials when it has them. */
export function s3Client (cfg: S3StoreConfig): { client: S3Client, credentials: FileCredentials | undefined } {
  const ca = cfg.tls.ca_file === undefined ? undefined : readFileSync(cfg.tls.ca_file)
  const idFile = cfg.access_key_id_file
  const secretFile = cfg.secret_access_key_file
  const credentials = idFile !== undefined && secretFile !== undefined ? new FileCredentials(idFile, secretFile) : undefined
  const client = new S3Client({
    region: cfg.region,
    ...(cfg.endpoint !== undefined ? { endpoint: cfg.endpoint } : {}),
    forcePathStyle: cfg.force_path_style,
    maxAttempts: 5,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: 10_000,
      requestTimeout: cfg.timeout,
      throwOnRequestTimeout: true,
      httpsAgent: { keepAlive: true, maxSockets: 16, rejectUnauthorized: !cfg.tls.insecure_skip_verify, ...(ca !== undefined ? { ca } : {}) },
      httpAgent: { keepAlive: true, maxSockets: 16 },
    },
    ...(credentials !== undefined ? { credentials: credentials.provide } : {}),
  })
  return { client, credentials }
}

const AUTH = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken', 'AllAccessDisabled', 'CredentialsProviderError'])
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'TooManyRequests', 'RequestLimitExceeded', 'ServiceUnavailable'])
const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE'])

/** An SDK or network error as a {@link StoreError} of the bucket `bucket`. */
export function storeError (err: unknown, bucket: string): StoreError {
  if (err instanceof StoreError) return err
  const e = err as { name?: string, Code?: string, code?: string, message?: string, $metadata?: { httpStatusCode?: number }, cause?: { code?: string } }
  const name = e.Code ?? e.name ?? ''
  const status = e.$metadata?.httpStatusCode
  const code = e.code ?? e.cause?.code ?? ''
  let reason: StoreReason = 'store_error'
  if (AUTH.has(name) || status === 403) reason = 'store_auth'
  else if (name === 'NoSuchBucket') reason = 'store_not_found'
  else if (THROTTLED.has(name) || status === 503 || status === 429) reason = 'store_throttled'
  else if (status === undefined && (NETWORK.has(code) || /TimeoutError|AbortError|ECONNREFUSED|ENOTFOUND|socket hang up/i.test(`${name} ${e.message ?? ''}`))) reason = 'store_unreachable'
  const what = status === undefined ? (code !== '' ? code : name) : `HTTP ${status}${name !== '' ? ` ${name}` : ''}`
  return new StoreError(reason, `bucket ${bucket}: ${what}${e.message !== undefined && e.message !== '' && e.message !== name ? `: ${e.message.slice(0, 200)}` : ''}`)
}
