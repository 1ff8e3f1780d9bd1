/**
 * The exporter under benchmark, in a process of its own, compiled like production (`tsc`, no loader): the
 * benchmark's figures for rounds, event-loop delay and memory are this process's alone. Driven by
 * `scripts/bench.ts` over the IPC channel: each request message gets one reply.
 *
 * Usage (by the benchmark): node --expose-gc .bench/scripts/bench-exporter.js CONFIG PORT [HEAP_TRIM=on|off]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8'
import { startExporter } from '../src/exporter.js'
import { createLogger } from '../src/util/logger.js'

/** What the benchmark asks. */
export type BenchRequest =
  | { cmd: 'round' }
  | { cmd: 'memory' }
  | { cmd: 'profile-start' }
  | { cmd: 'profile-stop', file: string }
  | { cmd: 'heap-snapshot', file: string }
  | { cmd: 'alloc-start' }
  | { cmd: 'alloc-stop', file: string }
  | { cmd: 'exit' }

/**
 * What a round reports: wall time of the polls, CPU time (user + system) of the polls alone and with the render
 * that follows, event-loop delay, RSS right after (no GC).
 */
export interface RoundReply {
  ms: number, up: number, loopP99Ms: number, loopMaxMs: number, cpuMs: number, cpuPollMs: number, rss: number, trims: number, trimMs: number
  /** Highest RSS during the round (Linux: VmHWM, reset at the round's start), or NaN where unknown. */
  peakRss: number
}

/** Start a new peak-RSS window (Linux: writing 5 to clear_refs resets VmHWM); false where that is unavailable. */
function resetPeakRss (): boolean {
  try { writeFileSync('/proc/self/clear_refs', '5'); return true } catch { return false }
}

/** Highest RSS since the last reset, in bytes (VmHWM), or NaN. */
function peakRss (): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]
    return kb === undefined ? Number.NaN : Number(kb) * 1024
  } catch { return Number.NaN }
}

/** Memory after a full GC, in bytes, with the V8 heap's spaces (committed size) by name. */
export interface MemoryReply {
  rss: number, heapUsed: number, heapTotal: number, external: number, arrayBuffers: number
  spaces: Record<string, number>
  /** RSS by kind of mapping (Linux only): malloc's main heap (`[heap]`), anonymous mappings, files (code). */
  mappings: Record<'heap' | 'anon' | 'file', number>
}

/** RSS by kind of mapping, from /proc/self/smaps (zeros where there is none). */
function rssByMapping (): MemoryReply['mappings'] {
  const out = { heap: 0, anon: 0, file: 0 }
  let kind: keyof typeof out = 'anon'
  let text = ''
  try { text = readFileSync('/proc/self/smaps', 'utf8') } catch { return out }
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head !== null) {
      const name = head[1] ?? ''
      kind = name === '[heap]' ? 'heap' : name === '' || name.startsWith('[') ? 'anon' : 'file'
      continue
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line)
    if (rss !== null) out[kind] += Number(rss[1]) * 1024
  }
  return out
}

const [configFile, port, heapTrim] = process.argv.slice(2)
if (configFile === undefined || port === undefined || process.send === undefined) {
  process.stderr.write('usage: node --expose-gc bench-exporter.js CONFIG PORT (with an IPC channel)\n')
  process.exit(2)
}
const send = (msg: unknown): void => { process.send?.(msg) }
const exporter = await startExporter({ configFile, host: '127.0.0.1', port: Number(port), logger: createLogger('error'), autoStart: false, heapTrim: heapTrim !== 'off' })
let profiler: Session | undefined
let allocator: Session | undefined

process.on('message', (msg: BenchRequest) => {
  void (async () => {
    switch (msg.cmd) {
      case 'round': {
        const trimmed = { n: exporter.heapTrimmer.trims, ms: exporter.heapTrimmer.trimMs }
        const peakKnown = resetPeakRss()
        const loop = monitorEventLoopDelay({ resolution: 5 })
        loop.enable()
        const cpu = process.cpuUsage()
        const t0 = performance.now()
        await exporter.poller.pollAllOnce()
        const ms = performance.now() - t0
        const usedPolls = process.cpuUsage(cpu)
        // The round's changes reach the exposition (a render, sliced) before the loop figures are taken.
        await exporter.clusterMetrics.refresh()
        // A heap trim the end of the polls set off (on a later turn) counts in this round's CPU.
        await new Promise(resolve => setImmediate(resolve))
        const used = process.cpuUsage(cpu)
        loop.disable()
        const reply: RoundReply = {
          ms, up: exporter.store.list().filter(c => c.up === true).length,
          loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, cpuMs: (used.user + used.system) / 1000,
          cpuPollMs: (usedPolls.user + usedPolls.system) / 1000,
          rss: process.memoryUsage.rss(),
          trims: exporter.heapTrimmer.trims - trimmed.n, trimMs: exporter.heapTrimmer.trimMs - trimmed.ms,
          peakRss: peakKnown ? peakRss() : Number.NaN,
        }
        send(reply)
        return
      }
      case 'memory': {
        (globalThis as { gc?: () => void }).gc?.()
        const m = process.memoryUsage()
        const spaces = Object.fromEntries(getHeapSpaceStatistics().map(sp => [sp.space_name, sp.space_size]))
        const reply: MemoryReply = { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers, spaces, mappings: rssByMapping() }
        send(reply)
        return
      }
      case 'profile-start':
        profiler = new Session()
        profiler.connect()
        await profiler.post('Profiler.enable')
        await profiler.post('Profiler.start')
        send({})
        return
      case 'profile-stop': {
        const result = await profiler?.post('Profiler.stop')
        if (result !== undefined) writeFileSync(msg.file, JSON.stringify(result.profile))
        send({})
        return
      }
      case 'alloc-start':
        // Sampling of every allocation, also of objects that die young: where the bytes of a round come from.
        allocator = new Session()
        allocator.connect()
        await allocator.post('HeapProfiler.enable')
        await allocator.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true })
        send({})
        return
      case 'alloc-stop': {
        const result = await allocator?.post('HeapProfiler.stopSampling')
        if (result !== undefined) writeFileSync(msg.file, JSON.stringify(result.profile))
        send({})
        return
      }
      case 'heap-snapshot':
        (globalThis as { gc?: () => void }).gc?.()
        writeHeapSnapshot(msg.file)
        send({})
        return
      case 'exit':
        await exporter.close()
        send({})
        process.exit(0)
    }
  })()
})
send({ url: exporter.url })
