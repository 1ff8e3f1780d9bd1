import t from 'tap'
import { LARGE_BODY_BYTES, decodeJson, decodeJsonNow } from '../../src/sources/decode.js'
import type { HttpResponse } from '../../src/sources/http.js'
import { productsSchema } from '../../src/sources/ibm/schema.js'

const res = (body: string): HttpResponse => ({ status: 200, contentType: 'application/json', body: Buffer.from(body) })
/** Records whose strings hold every character the element scanner must not trip on. */
const records = (n: number): Array<Record<string, unknown>> => Array.from({ length: n }, (_, i) => ({
  name: `P ${i} [a, {b}] "quoted" \\ back\\slash \u00e9 , ]`, id: `id-${i}`, metricPeakDate: '2026-11-20', metricQuantity: i % 7, metricName: 'VIRTUAL_PROCESSOR_CORE', extra: { nested: [1, [2, { x: '}' }]] },
}))

t.test('a large array decodes element by element to exactly what the plain path gives', async t => {
  const text = JSON.stringify(records(12_000), null, 1)
  t.ok(text.length > LARGE_BODY_BYTES, `${text.length} bytes is a large body`)
  const sliced = await decodeJson(res(text), productsSchema, 'products')
  t.same(sliced, decodeJsonNow(res(text), productsSchema, 'products'))
  t.equal(sliced.length, 12_000)
  t.same(await decodeJson(res(`  \n${text}\n `), productsSchema, 'products'), sliced, 'white space around the array')
})

t.test('a bad element of a large array is invalid_response with its path; a broken array says why', async t => {
  const list = records(12_000)
  list[4321] = { ...list[4321], metricQuantity: 'many' }
  await t.rejects(decodeJson(res(JSON.stringify(list)), productsSchema, 'products'), { reason: 'invalid_response', message: /^products: unexpected shape at \[4321\]\.metricQuantity: / })
  const text = JSON.stringify(records(12_000))
  await t.rejects(decodeJson(res(text.slice(0, -100)), productsSchema, 'products'), { reason: 'invalid_response', message: /products: response is not valid JSON/ }, 'truncated')
  await t.rejects(decodeJson(res(`${text}]`), productsSchema, 'products'), { reason: 'invalid_response', message: /not valid JSON/ }, 'trailing garbage')
  await t.rejects(decodeJson(res(`{"a": ${text}}`), productsSchema, 'products'), { reason: 'invalid_response', message: /unexpected shape at \(top level\)/ }, 'not an array')
})
