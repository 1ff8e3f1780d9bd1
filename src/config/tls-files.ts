/**
 * TLS files checked when a config is loaded, not at the first connection: a CA bundle must hold at least one
 * certificate that parses, and a certificate with its key must parse and belong together. The messages name
 * the problem, never the files' content.
 */
import { X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/** What is wrong with a CA bundle, or undefined when it holds certificates that parse. */
export function caProblem (pem: string): string | undefined {
  const blocks = pem.match(PEM_CERT) ?? []
  if (blocks.length === 0) return 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)'
  for (const [i, b] of blocks.entries()) {
    try {
      void new X509Certificate(b)
    } catch {
      return `certificate ${i + 1} of ${blocks.length} does not parse`
    }
  }
  return undefined
}

/** What is wrong with a certificate and its private key, or undefined when they parse and match. */
export function keyPairProblem (cert: string | Buffer, key: string | Buffer): string | undefined {
  try {
    createSecureContext({ cert, key })
    return undefined
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? ''
    if (code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH' || /key values mismatch/i.test(String(err))) return 'the private key does not belong to the certificate'
    return `the certificate or its key does not parse (${code || 'invalid PEM'})`
  }
}

/** Whether a secret (a token) holds a control character: a line break inside it, a NUL. */
export function hasControlCharacter (secret: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u001f\u007f]/.test(secret)
}
