/**
 * The license position of a cluster, as the landing page shows it: state (worst first), and per product
 * and unit the usage against the quota, the overage, the usage status. Read from the store's samples.
 */
import type { ClusterState } from '../polling/store.js'

/** How a cluster's license stands: `critical` (quota or overage used up), `warning` (overage or >= 90 %), `ok`, `unknown`. */
export type LicenseLevel = 'critical' | 'warning' | 'ok' | 'unknown'

/** One product and unit of a cluster. */
export interface UnitView {
  product: string
  unit: string
  usage: number | undefined
  quota: number | undefined
  ratio: number | undefined
  status: string | undefined
  overageUsage: number | undefined
  overageQuota: number | undefined
  level: LicenseLevel
}

/** A cluster's license position. */
export interface LicenseView {
  level: LicenseLevel
  /** The worst status or reason, for the badge. */
  label: string
  units: UnitView[]
}

const CRITICAL_STATES = new Set(['QUOTA_REACHED', 'OVERAGE_QUOTA_REACHED'])
const RANK: Record<LicenseLevel, number> = { unknown: 0, ok: 1, warning: 2, critical: 3 }

function unitLevel (u: UnitView): LicenseLevel {
  if (u.status !== undefined && CRITICAL_STATES.has(u.status)) return 'critical'
  if (u.quota !== undefined && u.usage !== undefined && u.status === undefined && u.usage > u.quota) return 'critical'
  if (u.status === 'USING_OVERAGE' || (u.ratio !== undefined && u.ratio >= 0.9)) return 'warning'
  return u.usage === undefined ? 'unknown' : 'ok'
}

/** The license view of a cluster from its current samples. */
export function licenseView (st: ClusterState): LicenseView {
  const units = new Map<string, UnitView>()
  for (const s of st.samples) {
    const product = s.labels.product
    const unit = s.labels.unit
    if (product === undefined || unit === undefined || s.labels.cloudpak_id !== undefined) continue
    const key = `${product}\0${s.labels.product_id ?? ''}\0${unit}`
    let u = units.get(key)
    if (u === undefined) {
      u = { product, unit, usage: undefined, quota: undefined, ratio: undefined, status: undefined, overageUsage: undefined, overageQuota: undefined, level: 'unknown' }
      units.set(key, u)
    }
    if (s.metric === 'license_usage') u.usage = s.value
    else if (s.metric === 'license_quota') u.quota = s.value
    else if (s.metric === 'license_usage_ratio') u.ratio = s.value
    else if (s.metric === 'license_usage_status' && s.value === 1) u.status = s.labels.status
    else if (s.metric === 'license_overage_usage') u.overageUsage = s.value
    else if (s.metric === 'license_overage_quota') u.overageQuota = s.value
  }
  const list = [...units.values()]
  for (const u of list) {
    if (u.ratio === undefined && u.usage !== undefined && u.quota !== undefined && u.quota > 0) u.ratio = u.usage / u.quota
    u.level = unitLevel(u)
  }
  const worst = list.reduce<UnitView | undefined>((w, u) => (w === undefined || RANK[u.level] > RANK[w.level] ? u : w), undefined)
  const level = worst?.level ?? 'unknown'
  const label = worst === undefined ? 'no data'
    : worst.status !== undefined && worst.status !== 'USING_QUOTA' && level !== 'ok' ? worst.status
      : level === 'critical' ? 'over entitlement' : level === 'warning' ? 'high usage' : level === 'ok' ? 'within quota' : 'no quota'
  return { level, label, units: list }
}

/** "3 min ago" for an age in ms. */
export function ago (ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s ago`
  if (s < 3600) return `${Math.round(s / 60)} min ago`
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`
  return `${Math.round(s / 86_400)} d ago`
}
