/** Opening a {@link Vault} from its {@link VaultSpec}: one instance per spec (and so one S3 client per bucket). */
import { DirectoryVault } from './directory-vault.js'
import { S3Vault } from './s3-vault.js'
import type { Vault, VaultSpec } from './store.js'

const open = new Map<string, Vault>()

/** The vault of a spec (the same instance for the same spec). */
export function openVault (spec: VaultSpec): Vault {
  const key = JSON.stringify(spec)
  let v = open.get(key)
  if (v === undefined) {
    v = spec.kind === 's3' ? new S3Vault(spec) : new DirectoryVault(spec)
    if (open.size >= 256) open.clear()
    open.set(key, v)
  }
  return v
}
