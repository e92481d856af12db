// Facts about the machine a run was taken on (cores, engine, buildx, git head, the bundle's hash)
// and its load average, kept in the JSON beside the figures.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { ENTRY, REPO, round } from './common.mjs'
import { BASE_ENV, run } from './proc.mjs'

export function loadavg() {
  return os.loadavg().map(x => round(x, 2))
}

export async function machineFacts(ctx) {
  const env = { ...BASE_ENV(), HOME: ctx.adminDir, DOCKER_CONFIG: ctx.adminConfig }
  const server = await run(ctx.docker, ['version', '--format', '{{.Server.Version}}'], { env, timeoutMs: 30_000 })
  const client = await run(ctx.docker, ['version', '--format', '{{.Client.Version}}'], { env, timeoutMs: 30_000 })
  const buildx = await run(ctx.docker, ['buildx', 'version'], { env, timeoutMs: 30_000 })
  const driver = await run(ctx.docker, ['info', '--format', '{{.Driver}}'], { env, timeoutMs: 30_000 })
  const git = await run('git', ['-C', REPO, 'rev-parse', 'HEAD'], { env, timeoutMs: 30_000 })
  const newestSrc = Math.max(
    ...fs
      .readdirSync(path.join(REPO, 'src'), { recursive: true })
      .map(f => path.join(REPO, 'src', f))
      .filter(f => fs.statSync(f).isFile())
      .map(f => fs.statSync(f).mtimeMs)
  )
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '?',
    memoryBytes: os.totalmem(),
    kernel: os.release(),
    node: process.version,
    dockerServer: server.stdout.trim(),
    dockerClient: client.stdout.trim(),
    buildx: buildx.stdout.trim(),
    storageDriver: driver.stdout.trim(),
    gitHead: git.stdout.trim(),
    distIndexSha256: createHash('sha256').update(fs.readFileSync(ENTRY)).digest('hex'),
    distOlderThanSrc: fs.statSync(ENTRY).mtimeMs < newestSrc,
    loadavgAtStart: loadavg()
  }
}
