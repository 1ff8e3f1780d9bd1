/**
 * `npm run manifests` (part): copy grafana/dashboards/*.json into config/kubernetes/base/dashboards/, where
 * kustomize's configMapGenerator may read them (it refuses files outside the kustomization's directory).
 * test/deploy/kustomize.test.ts fails when the copies are stale.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'

const ROOT = join(import.meta.dirname, '..')
/** The dashboards, as written by `npm run dashboards`. */
export const DASHBOARD_DIR = join(ROOT, 'grafana', 'dashboards')
/** Their copies in the kustomize base. */
export const KUBERNETES_DASHBOARD_DIR = join(ROOT, 'config', 'kubernetes', 'base', 'dashboards')

/** The dashboard file names (sorted) in a directory. */
export function dashboardFiles (dir: string): string[] {
  return readdirSync(dir).filter(f => f.endsWith('.json')).sort()
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === import.meta.filename) {
  mkdirSync(KUBERNETES_DASHBOARD_DIR, { recursive: true })
  for (const f of dashboardFiles(KUBERNETES_DASHBOARD_DIR)) rmSync(join(KUBERNETES_DASHBOARD_DIR, f))
  for (const f of dashboardFiles(DASHBOARD_DIR)) {
    copyFileSync(join(DASHBOARD_DIR, f), join(KUBERNETES_DASHBOARD_DIR, f))
    process.stdout.write(`wrote config/kubernetes/base/dashboards/${f}\n`)
  }
}
