/** The layout's rules (docs/architecture.md): one-way imports, checked by dependency-cruiser, and small files. */
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tempDir } from './helpers.js'

const ROOT = join(import.meta.dirname, '..')
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise')

t.test('src follows the import rules', async t => {
  const r = spawnSync(DEPCRUISE, ['src'], { cwd: ROOT, encoding: 'utf8' })
  t.equal(r.status, 0, r.stdout + r.stderr)
})

t.test('a deliberately wrong import fails, naming the rule', async t => {
  const dir = tempDir()
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  mkdirSync(join(dir, 'src', 'sources'), { recursive: true })
  mkdirSync(join(dir, 'src', 'server'), { recursive: true })
  writeFileSync(join(dir, 'src', 'server', 'app.ts'), 'export const app = 1\n')
  writeFileSync(join(dir, 'src', 'sources', 'bad.ts'), "import { app } from '../server/app.js'\nexport const bad = app\n")
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' }, include: ['src'] }))
  copyFileSync(join(ROOT, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'))
  const r = spawnSync(DEPCRUISE, ['src'], { cwd: dir, encoding: 'utf8' })
  t.not(r.status, 0, 'the check fails')
  t.match(r.stdout + r.stderr, /sources-stay-vendor-side: src\/sources\/bad\.ts → src\/server\/app\.ts/)
})

t.test('no file in src/ is over 250 lines', async t => {
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap(e => e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)])
  const long = walk(join(ROOT, 'src')).filter(f => f.endsWith('.ts')).map(f => [f.slice(ROOT.length + 1), readFileSync(f, 'utf8').split('\n').length - 1] as const).filter(([, n]) => n > 250)
  t.same(long, [], 'files over 250 lines')
})
