/**
 * Product identity in the multicluster report: name, id and license metric. A daily file without an `id`
 * column gives `''`; such a record takes the id that the other records of the report give that name and
 * metric, when exactly one is known. Pure.
 */

/** A product and license metric as the report keys it. */
export interface Identity { product: string, product_id: string, unit: string }

/** The map key of an identity. */
export const keyOf = (i: Identity): string => `${i.product}\0${i.product_id}\0${i.unit}`

/** Given every identity of a report, a function giving each its resolved identity (the id filled in where it can be). */
export function resolveIdentities (all: Iterable<Identity>): (id: Identity) => Identity {
  const ids = new Map<string, Set<string>>()
  for (const i of all) {
    if (i.product_id === '') continue
    const k = `${i.product}\0${i.unit}`
    let s = ids.get(k)
    if (s === undefined) ids.set(k, (s = new Set()))
    s.add(i.product_id)
  }
  return id => {
    if (id.product_id !== '') return id
    const s = ids.get(`${id.product}\0${id.unit}`)
    return s !== undefined && s.size === 1 ? { ...id, product_id: [...s][0]! } : id
  }
}
