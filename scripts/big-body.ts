/**
 * `npm run bigbody`: how long one large vendor response holds the event loop while it is decoded. Builds an
 * IBM `/products`-like body of about 55 MB (300,000 records), decodes it as a poll does, and prints the
 * largest event-loop delay seen meanwhile (a 1 ms timer ticking beside it) and the decode time.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { decodeJson } from '../src/sources/decode.js'
import { productsSchema } from '../src/sources/ibm/schema.js'

const RECORDS = Number(process.env.BIGBODY_RECORDS ?? 300_000)
const records = Array.from({ length: RECORDS }, (_, i) => ({
  name: `IBM Product number ${i % 500} with a long name`, id: `${(i % 500).toString(16).padStart(32, '0')}`,
  metricPeakDate: '2026-11-20', metricQuantity: i % 97, metricName: 'VIRTUAL_PROCESSOR_CORE',
}))
const body = Buffer.from(JSON.stringify(records))
const histogram = monitorEventLoopDelay({ resolution: 1 })
let worst = 0
let last = performance.now()
const tick = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last); last = now }, 1)
histogram.enable()
const start = performance.now()
const value = await decodeJson({ status: 200, contentType: 'application/json', body }, productsSchema, 'products')
const took = performance.now() - start
await new Promise(resolve => setTimeout(resolve, 20))
clearInterval(tick)
histogram.disable()
process.stdout.write(`body ${(body.length / 1e6).toFixed(1)} MB, ${value.length} records: decoded in ${took.toFixed(0)} ms; ` +
  `longest event-loop stall ${worst.toFixed(0)} ms (delay p99 ${(histogram.percentile(99) / 1e6).toFixed(0)} ms, max ${(histogram.max / 1e6).toFixed(0)} ms)\n`)
