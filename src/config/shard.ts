/**
 * Sharding for fleets beyond one process: `--shard=INDEX/TOTAL` keeps the clusters whose name hashes to
 * INDEX, so TOTAL replicas split one config into disjoint sets whose union is the whole.
 */
import type { Config } from './schema.js'

/** A shard: `index` in [0, total). */
export interface Shard { index: number, total: number }

/** Parse `INDEX/TOTAL`; undefined when malformed. */
export function parseShard (text: string): Shard | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim())
  if (m === null) return undefined
  const index = Number(m[1])
  const total = Number(m[2])
  return total >= 1 && index < total ? { index, total } : undefined
}

/** FNV-1a (32 bit) of a cluster name: stable across processes, versions and platforms. */
export function shardHash (name: string): number {
  let h = 0x811c9dc5
  for (const byte of Buffer.from(name, 'utf8')) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/** Whether a cluster belongs to a shard. */
export function inShard (name: string, shard: Shard): boolean {
  return shardHash(name) % shard.total === shard.index
}

/** The config with only the shard's clusters. */
export function shardConfig (config: Config, shard: Shard | undefined): Config {
  if (shard === undefined || shard.total === 1) return config
  return { ...config, clusters: config.clusters.filter(c => inShard(c.name, shard)) }
}
