/** The node flags and ENV of the Dockerfile's runtime stage, so benchmarks run the exporter as the image does. */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The node flags (between `node` and the script in ENTRYPOINT) and the ENV of the Dockerfile's runtime stage. */
export function imageRuntime (root: string): { flags: string[], env: Record<string, string> } {
  const text = readFileSync(join(root, 'Dockerfile'), 'utf8')
  const runtime = text.slice(text.lastIndexOf('\nFROM '))
  const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(runtime)?.[1]
  const argv = entry === undefined ? [] : JSON.parse(entry) as string[]
  const script = argv.findIndex(a => a.endsWith('.js'))
  const env: Record<string, string> = {}
  for (const m of runtime.matchAll(/^ENV\s+([A-Z_]+)=(\S+)\s*$/gm)) env[m[1] as string] = m[2] as string
  return { flags: script > 0 ? argv.slice(1, script) : [], env }
}
