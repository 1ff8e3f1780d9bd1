/** Sending a cached body made of several buffers without copying them. */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http'

/**
 * Send `parts` as the whole response body after the headers. Every part is queued while the socket is corked,
 * so they leave in one writev, as one `end(buffer)` would: nothing is copied, nothing waits for a drain
 * between parts. The caller has taken the response over (`reply.hijack()`).
 */
export function writeParts (res: ServerResponse, status: number, headers: OutgoingHttpHeaders, parts: readonly Buffer[]): void {
  res.writeHead(status, headers)
  res.cork()
  for (const part of parts) res.write(part)
  res.end() // uncorks: the parts leave together
}
