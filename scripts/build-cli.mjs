// Bundles src/cli/cli.ts into dist/cli.js (the `docker-ship` bin). ncc writes one entry per run and
// empties the *.js of its output folder first, so the CLI is built in a temp folder and copied
// next to dist/index.js. Run by `npm run build`, after the action's own bundle.
import { execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const ncc = createRequire(import.meta.url).resolve('@vercel/ncc/dist/ncc/cli.js')
const out = mkdtempSync(join(tmpdir(), 'docker-ship-cli-'))
try {
  execFileSync(process.execPath, [ncc, 'build', join(root, 'src/cli/cli.ts'), '-o', out, '--minify', '--quiet'], {
    cwd: root,
    stdio: 'inherit'
  })
  const target = join(root, 'dist/cli.js')
  copyFileSync(join(out, 'index.js'), target)
  chmodSync(target, 0o755)
  console.log('dist/cli.js written')
} finally {
  rmSync(out, { recursive: true, force: true })
}
