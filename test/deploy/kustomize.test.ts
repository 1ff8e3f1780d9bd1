/**
 * The Kubernetes manifests under config/kubernetes, rendered with `kubectl kustomize` as a user would:
 * kinds per build, Pod Security "restricted", the snapshot archive on a persistent writable volume, the
 * ConfigMap's config valid, the shard count written once and derived, the PrometheusRule equal to the rule
 * file (and valid for promtool), the generated files up to date.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { parse, parseAllDocuments } from 'yaml'
import { DASHBOARD_DIR, KUBERNETES_DASHBOARD_DIR, dashboardFiles } from '../../scripts/kubernetes-dashboards.js'
import { PROMETHEUS_RULE_FILE, RULE_FILE, prometheusRuleYaml, ruleGroups } from '../../scripts/prometheus-rule.js'

const ROOT = join(import.meta.dirname, '..', '..')
const KUBE = join(ROOT, 'config', 'kubernetes')
const BUILDS = ['base', 'sharded', 'openshift'] as const
type Build = (typeof BUILDS)[number]
const PORT = 9847

interface SecurityContext {
  runAsNonRoot?: boolean
  runAsUser?: number
  runAsGroup?: number
  fsGroup?: number
  privileged?: boolean
  allowPrivilegeEscalation?: boolean
  readOnlyRootFilesystem?: boolean
  capabilities?: { drop?: string[], add?: string[] }
  seccompProfile?: { type?: string }
}
interface Mount { name: string, mountPath: string, readOnly?: boolean }
interface Container {
  name: string
  args?: string[]
  env?: Array<{ name: string, value?: string, valueFrom?: { fieldRef?: { fieldPath?: string } } }>
  ports?: Array<{ name?: string, containerPort: number }>
  readinessProbe?: { httpGet?: { path?: string } }
  livenessProbe?: { httpGet?: { path?: string } }
  resources?: { requests?: Record<string, string>, limits?: Record<string, string> }
  securityContext?: SecurityContext
  volumeMounts?: Mount[]
}
interface Volume { name: string, emptyDir?: object, persistentVolumeClaim?: { claimName: string }, configMap?: { name: string }, secret?: { secretName: string }, hostPath?: object }
interface PodSpec {
  hostNetwork?: boolean
  hostPID?: boolean
  hostIPC?: boolean
  securityContext?: SecurityContext
  containers: Container[]
  initContainers?: Container[]
  ephemeralContainers?: Container[]
  volumes?: Volume[]
}
interface Manifest {
  kind: string
  metadata: { name: string, labels?: Record<string, string> }
  spec?: {
    replicas?: number
    template?: { spec: PodSpec }
    volumeClaimTemplates?: Array<{ metadata: { name: string } }>
    groups?: unknown
    ingress?: Array<{ from?: unknown, ports?: Array<{ port?: number | string }> }>
    endpoints?: Array<{ port?: string, path?: string }>
    ports?: Array<{ port?: number, targetPort?: number | string }>
  }
  data?: Record<string, string>
  stringData?: Record<string, string>
}

/** Run a command in the repository; `missing` when it is not installed. */
function run (cmd: string, args: string[], opts: { cwd?: string, env?: NodeJS.ProcessEnv } = {}): { missing: boolean, status: number | null, stdout: string, output: string } {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  return { missing: r.error !== undefined, status: r.status, stdout: r.stdout ?? '', output: `${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}` }
}

/** A temporary directory removed when the test ends. */
function tempDir (tt: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const haveKubectl = !run('kubectl', ['version', '--client']).missing
const havePromtool = !run('promtool', ['--version']).missing
const kubectlSkip = !haveKubectl && process.env.CI !== 'true' ? 'kubectl not installed: skipped (apt-get install -y kubectl; CI installs it)' : false

/** `kubectl kustomize DIR`, parsed. */
function render (dir: string): Manifest[] {
  const r = run('kubectl', ['kustomize', dir])
  if (r.missing) throw new Error('kubectl is not installed')
  if (r.status !== 0) throw new Error(r.output)
  return parseAllDocuments(r.stdout).map(d => d.toJS() as Manifest).filter(m => m !== null)
}

function one (manifests: Manifest[], kind: string, name?: string): Manifest {
  const found = manifests.filter(m => m.kind === kind && (name === undefined || m.metadata.name === name))
  if (found.length !== 1) throw new Error(`expected one ${kind}${name === undefined ? '' : ` ${name}`}, found ${found.length}`)
  return found[0] as Manifest
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'])
function workloads (manifests: Manifest[]): Manifest[] { return manifests.filter(m => WORKLOADS.has(m.kind)) }
function podSpec (m: Manifest): PodSpec {
  const spec = m.spec?.template?.spec
  if (spec === undefined) throw new Error(`${m.kind} ${m.metadata.name}: no pod template`)
  return spec
}
function allContainers (pod: PodSpec): Container[] { return [...pod.initContainers ?? [], ...pod.containers, ...pod.ephemeralContainers ?? []] }
function exporterContainer (m: Manifest): Container {
  const c = podSpec(m).containers.find(c => c.name === 'license-exporter')
  if (c === undefined) throw new Error('no license-exporter container')
  return c
}

/** The exporter's config in the rendered ConfigMap. */
function configText (manifests: Manifest[]): string {
  const text = one(manifests, 'ConfigMap', 'license-exporter-config').data?.['config.yaml']
  if (text === undefined) throw new Error('ConfigMap license-exporter-config has no config.yaml')
  return text
}
interface StoreShape { type?: string, access_key_id_file?: string, secret_access_key_file?: string, object_lock?: object }
interface ConfigShape { clusters?: Array<{ name: string, token_file?: string, snapshot?: { directory?: string, store?: StoreShape } }> }
/** The snapshot stores of the rendered config that are buckets. */
function bucketStores (manifests: Manifest[]): StoreShape[] {
  const config = parse(configText(manifests)) as ConfigShape
  return (config.clusters ?? []).flatMap(c => (c.snapshot?.store?.type === 's3' ? [c.snapshot.store] : []))
}
function snapshotDirs (manifests: Manifest[]): string[] {
  const config = parse(configText(manifests)) as ConfigShape
  return (config.clusters ?? []).flatMap(c => (c.snapshot?.directory !== undefined ? [c.snapshot.directory] : []))
}
function under (path: string, dir: string): boolean { return path === dir || path.startsWith(dir.endsWith('/') ? dir : `${dir}/`) }

const rendered = new Map<Build, Manifest[]>()
function build (name: Build): Manifest[] {
  let m = rendered.get(name)
  if (m === undefined) { m = render(join(KUBE, name)); rendered.set(name, m) }
  return m
}

const COMMON_KINDS = ['ConfigMap', 'Secret', 'Service', 'ServiceMonitor', 'PrometheusRule', 'PodDisruptionBudget', 'NetworkPolicy']
const KINDS: Record<Build, { present: string[], absent: string[] }> = {
  base: { present: [...COMMON_KINDS, 'Deployment', 'PersistentVolumeClaim'], absent: ['StatefulSet'] },
  sharded: { present: [...COMMON_KINDS, 'StatefulSet'], absent: ['Deployment', 'PersistentVolumeClaim'] },
  openshift: { present: [...COMMON_KINDS, 'Deployment', 'PersistentVolumeClaim'], absent: ['StatefulSet'] },
}

/** Pod Security "restricted" (and this project's read-only-root rule) for every container of a workload. */
function checkRestricted (tt: Test, m: Manifest, persistent: Set<string>, snapshots: string[]): void {
  const pod = podSpec(m)
  const where = `${m.kind} ${m.metadata.name}`
  tt.notOk(pod.hostNetwork === true || pod.hostPID === true || pod.hostIPC === true, `${where}: no host namespaces`)
  tt.notOk((pod.volumes ?? []).some(v => v.hostPath !== undefined), `${where}: no hostPath volumes`)
  const volumes = new Map((pod.volumes ?? []).map(v => [v.name, v]))
  for (const c of allContainers(pod)) {
    const at = `${where} / ${c.name}`
    const sc = c.securityContext ?? {}
    const psc = pod.securityContext ?? {}
    tt.equal(sc.runAsNonRoot ?? psc.runAsNonRoot, true, `${at}: runAsNonRoot`)
    tt.not(sc.runAsUser ?? psc.runAsUser, 0, `${at}: not UID 0`)
    tt.equal((sc.seccompProfile ?? psc.seccompProfile)?.type, 'RuntimeDefault', `${at}: seccompProfile RuntimeDefault`)
    tt.equal(sc.allowPrivilegeEscalation, false, `${at}: allowPrivilegeEscalation false`)
    tt.not(sc.privileged, true, `${at}: not privileged`)
    tt.ok(sc.capabilities?.drop?.includes('ALL'), `${at}: capabilities drop ALL`)
    tt.ok((sc.capabilities?.add ?? []).every(cap => cap === 'NET_BIND_SERVICE'), `${at}: no capabilities added but NET_BIND_SERVICE`)
    tt.equal(sc.readOnlyRootFilesystem, true, `${at}: read-only root filesystem`)
    for (const mount of c.volumeMounts ?? []) {
      if (mount.readOnly === true) continue
      const v = volumes.get(mount.name)
      const writableKind = persistent.has(mount.name) ? 'persistent' : v?.emptyDir !== undefined ? 'emptyDir' : undefined
      tt.ok(writableKind !== undefined, `${at}: writable mount ${mount.mountPath} is an emptyDir or a persistent volume`)
      const needed = mount.mountPath === '/tmp' || snapshots.some(dir => under(dir, mount.mountPath))
      tt.ok(needed, `${at}: writable mount ${mount.mountPath} is needed (/tmp or a snapshot directory)`)
    }
  }
}

/** Volume names backed by a PersistentVolumeClaim (a claim or a StatefulSet's volumeClaimTemplates). */
function persistentVolumes (m: Manifest): Set<string> {
  return new Set([
    ...(podSpec(m).volumes ?? []).filter(v => v.persistentVolumeClaim !== undefined).map(v => v.name),
    ...(m.spec?.volumeClaimTemplates ?? []).map(v => v.metadata.name),
  ])
}

for (const name of BUILDS) {
  t.test(`${name}: kinds, Pod Security restricted, snapshot archive on a persistent writable volume, ports and probes`, { skip: kubectlSkip }, async tt => {
    const manifests = build(name)
    const kinds = new Set(manifests.map(m => m.kind))
    for (const kind of KINDS[name].present) tt.ok(kinds.has(kind), `${name} has a ${kind}`)
    for (const kind of KINDS[name].absent) tt.notOk(kinds.has(kind), `${name} has no ${kind}`)

    const snapshots = snapshotDirs(manifests)
    tt.ok(snapshots.length > 0, 'the example config archives audit snapshots')
    const [workload, ...others] = workloads(manifests)
    tt.equal(others.length, 0, 'one workload')
    if (workload === undefined) return
    const persistent = persistentVolumes(workload)
    checkRestricted(tt, workload, persistent, snapshots)

    const c = exporterContainer(workload)
    // Evidence in a bucket (sharded): the snapshot directory only holds the upload spool and the index.
    const inBucket = bucketStores(manifests).length > 0
    for (const dir of snapshots) {
      const mount = (c.volumeMounts ?? []).find(v => v.readOnly !== true && under(dir, v.mountPath))
      const emptyDir = (podSpec(workload).volumes ?? []).find(v => v.name === mount?.name)?.emptyDir !== undefined
      if (inBucket) tt.ok(mount !== undefined && (persistent.has(mount.name) || emptyDir), `snapshot directory ${dir} (spool and index; the evidence is in the bucket) is writable`)
      else tt.ok(mount !== undefined && persistent.has(mount.name), `snapshot directory ${dir} is on a writable persistent volume`)
    }
    if (name === 'base') {
      const claim = (podSpec(workload).volumes ?? []).find(v => v.persistentVolumeClaim !== undefined)?.persistentVolumeClaim?.claimName
      tt.equal(claim, one(manifests, 'PersistentVolumeClaim').metadata.name, 'the Deployment mounts the shipped claim')
    }

    // The config file the container reads is the ConfigMap's key, mounted as a directory (updates arrive).
    const args = c.args ?? []
    tt.ok(args.includes(`--web.listen-address=:${PORT}`), 'listens on the metrics port')
    tt.ok(args.includes('--config.auto-reload-interval=30s'), 'reloads the ConfigMap when it changes')
    const configArg = args.find(a => a.startsWith('--config.file='))?.slice('--config.file='.length) ?? ''
    const configMount = (c.volumeMounts ?? []).find(v => v.name === 'config')
    tt.equal(configArg, `${configMount?.mountPath ?? '?'}/config.yaml`, '--config.file is config.yaml in the ConfigMap mount')
    tt.same((podSpec(workload).volumes ?? []).find(v => v.name === 'config')?.configMap, { name: 'license-exporter-config' })
    tt.equal(c.ports?.find(p => p.name === 'http')?.containerPort, PORT, 'container port')
    tt.equal(c.readinessProbe?.httpGet?.path, '/readyz', 'readiness probe')
    tt.equal(c.livenessProbe?.httpGet?.path, '/healthz', 'liveness probe')
    tt.ok(c.resources?.requests?.cpu !== undefined && c.resources.requests.memory !== undefined && c.resources.limits?.memory !== undefined, 'resources')

    const np = one(manifests, 'NetworkPolicy')
    tt.same(np.spec?.ingress?.map(r => r.ports?.map(p => p.port)), [[PORT]], 'NetworkPolicy: ingress to the metrics port only')
    tt.same(one(manifests, 'ServiceMonitor').spec?.endpoints?.map(e => [e.port, e.path]), [['http', '/metrics']], 'ServiceMonitor scrapes /metrics')
    tt.same(one(manifests, 'Service').spec?.ports?.map(p => [p.port, p.targetPort]), [[PORT, 'http']], 'Service port')

    const dashboards = manifests.filter(m => m.kind === 'ConfigMap' && m.metadata.labels?.grafana_dashboard === '1')
    const files = dashboardFiles(DASHBOARD_DIR)
    tt.same(dashboards.flatMap(d => Object.keys(d.data ?? {})).sort(), files, 'one dashboard ConfigMap per grafana/dashboards/*.json')
    for (const d of dashboards) {
      for (const [file, text] of Object.entries(d.data ?? {})) tt.equal(text, readFileSync(join(DASHBOARD_DIR, file), 'utf8'), `${d.metadata.name}: ${file} as committed`)
    }

    if (name === 'openshift') {
      for (const c of allContainers(podSpec(workload))) {
        for (const sc of [podSpec(workload).securityContext ?? {}, c.securityContext ?? {}]) {
          tt.same([sc.runAsUser, sc.runAsGroup, sc.fsGroup], [undefined, undefined, undefined], `${c.name}: no fixed UID, GID or fsGroup (restricted-v2 picks them)`)
        }
      }
      tt.equal(one(manifests, 'PrometheusRule').metadata.labels?.['openshift.io/prometheus-rule-evaluation-scope'], 'leaf-prometheus', 'PrometheusRule for user-workload monitoring')
    }
  })
}

for (const name of ['base', 'sharded'] as const) {
  t.test(`${name}: the ConfigMap's config passes --check-config with the Secrets' keys as token and key files`, { skip: kubectlSkip }, async tt => {
    const manifests = build(name)
    const text = configText(manifests)
    const workload = workloads(manifests)[0]!
    const mounted = (volume: string, secretName: string): { mount: string, keys: string[], values: Record<string, string> } => {
      const mount = exporterContainer(workload).volumeMounts?.find(v => v.name === volume)?.mountPath
      tt.ok(mount !== undefined, `the Secret ${secretName} is mounted`)
      const secret = one(manifests, 'Secret', secretName)
      tt.same((podSpec(workload).volumes ?? []).find(v => v.name === volume)?.secret?.secretName, secret.metadata.name)
      return { mount: mount ?? '?', keys: Object.keys({ ...secret.data, ...secret.stringData }), values: { ...secret.stringData } }
    }
    const secrets = [mounted('tokens', 'license-exporter-tokens'), ...(name === 'sharded' ? [mounted('s3', 'license-exporter-s3')] : [])]

    // Every token_file is a key of the Secret, so filling in the template is all a user has to do.
    const config = parse(text) as ConfigShape
    const tokenFiles = (config.clusters ?? []).flatMap(c => (c.token_file !== undefined ? [c.token_file] : []))
    tt.ok(tokenFiles.length > 0, 'the example reads tokens from files')
    for (const f of tokenFiles) tt.ok(secrets[0]!.keys.some(k => f === `${secrets[0]!.mount}/${k}`), `token_file ${f} is a key of the Secret`)

    const dir = tempDir(tt, 'license-exporter-kustomize-')
    const file = join(dir, 'config.yaml')
    let local = text
    for (const [i, sec] of secrets.entries()) local = local.replaceAll(`${sec.mount}/`, `${join(dir, `secret-${i}`)}/`)
    writeFileSync(file, local)
    const check = (): ReturnType<typeof run> => run(process.execPath, ['--import', 'tsx', 'src/main.ts', `--config.file=${file}`, '--check-config'])

    // As shipped (empty values) the exporter refuses to start and names the empty token file.
    for (const [i, sec] of secrets.entries()) mkdirWithFiles(join(dir, `secret-${i}`), Object.fromEntries(sec.keys.map(k => [k, sec.values[k] ?? ''])))
    const empty = check()
    tt.equal(empty.status, 1, 'the unfilled template is refused')
    tt.match(empty.output, /token_file: file .* is empty/, 'naming the empty token file')

    for (const [i, sec] of secrets.entries()) mkdirWithFiles(join(dir, `secret-${i}`), Object.fromEntries(sec.keys.map(k => [k, 'fake-secret-value'])))
    const filled = check()
    tt.equal(filled.status, 0, filled.output)
    tt.notMatch(filled.output, /fake-secret-value/, 'secrets are not printed')
  })
}

/** Replace `dir` with one holding `files` (name -> content). */
function mkdirWithFiles (dir: string, files: Record<string, string>): void {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
}

t.test('sharded: the shard count is written once and derived into replicas and --shard', { skip: kubectlSkip }, async tt => {
  const dir = join(KUBE, 'sharded')
  const kustomization = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as { replicas?: Array<{ name: string, count: number }> }
  const count = kustomization.replicas?.find(r => r.name === 'license-exporter')?.count
  tt.ok(count !== undefined && count > 1, 'the sharded overlay sets a shard count')
  if (count === undefined) return

  // Outside comments, the number appears once in all the overlay's files.
  const token = new RegExp(`(?<![\\w.-])${count}(?![\\w.-])`, 'g')
  let seen = 0
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) seen += (line.replace(/(^|\s)#.*$/, '').match(token) ?? []).length
  }
  tt.equal(seen, 1, `the shard count ${count} is written once in config/kubernetes/sharded`)

  const expectShards = (manifests: Manifest[], n: number, what: string): void => {
    const sts = one(manifests, 'StatefulSet')
    tt.equal(sts.spec?.replicas, n, `${what}: replicas = ${n}`)
    const env = exporterContainer(sts).env ?? []
    tt.equal(env.find(e => e.name === 'LICENSE_EXPORTER_SHARD')?.value, `$(POD_INDEX)/${n}`, `${what}: LICENSE_EXPORTER_SHARD = $(POD_INDEX)/${n}`)
    tt.equal(env.find(e => e.name === 'POD_INDEX')?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['apps.kubernetes.io/pod-index']", `${what}: the shard index is the pod index`)
    tt.ok(env.findIndex(e => e.name === 'POD_INDEX') < env.findIndex(e => e.name === 'LICENSE_EXPORTER_SHARD'), `${what}: POD_INDEX is defined before it is used`)
    tt.notOk((exporterContainer(sts).args ?? []).some(a => a.startsWith('--shard')), `${what}: no --shard argument to keep in step`)
    tt.equal(sts.spec?.volumeClaimTemplates, undefined, `${what}: no volume of evidence per shard`)
    tt.ok((podSpec(sts).volumes ?? []).find(v => v.name === 'snapshots')?.emptyDir !== undefined, `${what}: spool and index on an emptyDir`)
    const stores = bucketStores(manifests)
    tt.ok(stores.length > 0 && stores.length === snapshotDirs(manifests).length, `${what}: every archiving cluster keeps its snapshots in the bucket`)
    const s3Mount = exporterContainer(sts).volumeMounts?.find(v => v.name === 's3')
    tt.equal(s3Mount?.readOnly, true, `${what}: the bucket's key is mounted read-only`)
    const secret = one(manifests, 'Secret', 'license-exporter-s3')
    tt.same((podSpec(sts).volumes ?? []).find(v => v.name === 's3')?.secret?.secretName, secret.metadata.name)
    for (const st of stores) {
      for (const f of [st.access_key_id_file, st.secret_access_key_file]) tt.ok(Object.keys({ ...secret.stringData }).some(k => f === `${s3Mount?.mountPath ?? '?'}/${k}`), `${what}: ${f ?? '(none)'} is a key of the Secret`)
    }
  }
  expectShards(build('sharded'), count, 'rendered')

  // Change the one place: everything follows. The OpenShift component composes with the sharded build too.
  const copy = join(tempDir(tt, 'license-exporter-kustomize-'), 'kubernetes')
  cpSync(KUBE, copy, { recursive: true })
  const file = join(copy, 'sharded', 'kustomization.yaml')
  writeFileSync(file, readFileSync(file, 'utf8').replace(new RegExp(`count: ${count}\\b`), `count: ${count + 2}`))
  expectShards(render(join(copy, 'sharded')), count + 2, 'after editing the count')

  mkdirWithFiles(join(copy, 'openshift-sharded'), { 'kustomization.yaml': 'resources: [../sharded]\ncomponents: [../components/openshift]\n' })
  const combined = render(join(copy, 'openshift-sharded'))
  expectShards(combined, count + 2, 'openshift + sharded')
  const sts = one(combined, 'StatefulSet')
  tt.same([podSpec(sts).securityContext?.runAsUser, podSpec(sts).securityContext?.fsGroup], [undefined, undefined], 'openshift + sharded: no fixed UID or fsGroup')
  checkRestricted(tt, sts, persistentVolumes(sts), snapshotDirs(combined))
})

t.test('the PrometheusRule is the rule file: generated file up to date, groups equal, promtool accepts them', async tt => {
  const rulesText = readFileSync(RULE_FILE, 'utf8')
  tt.equal(readFileSync(PROMETHEUS_RULE_FILE, 'utf8'), prometheusRuleYaml(rulesText), 'config/kubernetes/base/prometheusrule.yaml is up to date (run `npm run manifests`)')
  if (kubectlSkip !== false) { tt.comment(kubectlSkip); return }
  for (const name of BUILDS) {
    tt.same(one(build(name), 'PrometheusRule').spec?.groups, ruleGroups(rulesText), `${name}: the PrometheusRule's groups equal the rule file's`)
  }
  const file = join(tempDir(tt, 'license-exporter-kustomize-'), 'rules.yml')
  writeFileSync(file, JSON.stringify({ groups: one(build('base'), 'PrometheusRule').spec?.groups }))
  if (!havePromtool && process.env.CI !== 'true') { tt.comment('promtool not installed: promtool check rules skipped (CI installs it)'); return }
  const r = run('promtool', ['check', 'rules', file])
  tt.notOk(r.missing, 'promtool is installed')
  tt.equal(r.status, 0, r.output)
})

t.test('the dashboard copies in config/kubernetes/base/dashboards are up to date (run `npm run manifests`)', async tt => {
  tt.same(dashboardFiles(KUBERNETES_DASHBOARD_DIR), dashboardFiles(DASHBOARD_DIR))
  for (const f of dashboardFiles(DASHBOARD_DIR)) {
    tt.equal(readFileSync(join(KUBERNETES_DASHBOARD_DIR, f), 'utf8'), readFileSync(join(DASHBOARD_DIR, f), 'utf8'), f)
  }
})
