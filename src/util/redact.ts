/** Redaction of secrets in URLs and free text. */

const SECRET_PARAMS = /([?&](?:token|access_token|api_token|apikey|api-token)=)[^&#\s"']*/gi

/** Replace the value of token-like query parameters in a URL or text with `REDACTED`. */
export function redactUrl (text: string): string {
  return text.replace(SECRET_PARAMS, '$1REDACTED')
}

/** Remove every occurrence of each known secret from a text (last line of defence for messages). */
export function scrub (text: string, secrets: readonly string[]): string {
  let out = redactUrl(text)
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('REDACTED')
  return out
}
