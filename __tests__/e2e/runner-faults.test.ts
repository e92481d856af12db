// Faults around the build rather than in it, run as the runner runs the action: two jobs pushing
// the same tag at once, a RUNNER_TEMP that cannot hold the run folder, an event payload that is
// not an object, a cancel after a push, a login the registry refuses.
import { gunzipSync } from 'node:zlib'
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { pushPayload } from './support/payloads.js'
import { readE2EEnv, registryClient } from './support/registry.js'
import { annotationsOf, cleanupRuns, runAction, type RunOptions } from './support/runner.js'
import { makeWorkspace, uniqueRepo } from './support/workspace.js'

const env = readE2EEnv()
const registry = registryClient(env, 1)
const host = env.registry.host
const creds = { username: env.registry.user, password: env.registry.password }
const scratch = mkdtempSync(path.join(tmpdir(), 'runner-faults-'))

afterAll(async () => {
  await cleanupRuns()
  rmSync(scratch, { recursive: true, force: true })
})

function ship(repo: string, opts: RunOptions & { files?: Record<string, string> } = {}) {
  return runAction({
    workspace: makeWorkspace(opts.files ?? { Dockerfile: `FROM ${env.baseImage}\nRUN echo built > /built.txt\n` }),
    secrets: [env.registry.password],
    payload: pushPayload({ ref: 'refs/heads/main', defaultBranch: 'main' }),
    ...opts,
    inputs: { registry: host, image: repo, ...creds, ...opts.inputs }
  })
}

/** Does the image `digest` of `repo` hold a layer with `text` in it (the file this run built)? */
async function holds(repo: string, digest: string, text: string): Promise<boolean> {
  const m = await registry.imageManifest(repo, digest)
  for (const layer of m.body.layers ?? []) {
    const blob = await registry.blob(repo, layer.digest)
    const tar = layer.mediaType?.endsWith('gzip') ? gunzipSync(blob) : blob
    if (tar.toString('latin1').includes(text)) return true
  }
  return false
}

/**
 * A `docker` first on PATH that holds `buildx imagetools inspect` (the tag check after a push)
 * until the file `go` exists: the other job's push lands in between, as on a slow registry.
 */
function heldInspect(): { path: string; release: () => void } {
  const dir = mkdtempSync(path.join(scratch, 'shim-'))
  const go = path.join(dir, 'go')
  const real = execFileSync('sh', ['-c', 'command -v docker']).toString().trim()
  writeFileSync(
    path.join(dir, 'docker'),
    `#!/bin/sh\nif [ "$1 $2 $3" = "buildx imagetools inspect" ]; then i=0; while [ ! -e ${go} ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; fi\nexec ${real} "$@"\n`
  )
  chmodSync(path.join(dir, 'docker'), 0o755)
  return { path: `${dir}:${process.env.PATH ?? ''}`, release: () => writeFileSync(go, '') }
}

async function until(what: string, check: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 200))
  }
}

describe('two jobs pushing the same tag of one image at once (buildx)', () => {
  it("reports each job's own digest; the job whose tag the other overwrote says so in its summary and log", async () => {
    const repo = uniqueRepo('faults-race')
    const values = ['race-value-first', 'race-value-second'].map(v => `${v}-${Date.now()}`)
    const job = (value: string, extra: RunOptions = {}) =>
      ship(repo, {
        files: { Dockerfile: `FROM ${env.baseImage}\nCOPY value.txt /value.txt\n`, 'value.txt': `${value}\n` },
        inputs: { tags: 'type=raw,value=shared' },
        ...extra
      })
    const held = heldInspect()
    // The first job pushes, then its tag check waits; the second pushes the same tag meanwhile.
    const first = job(values[0] as string, { env: { PATH: held.path } })
    let second: Awaited<ReturnType<typeof ship>>
    try {
      await until('the first push', () => registry.exists(repo, 'shared'))
      second = await job(values[1] as string)
    } finally {
      held.release()
    }
    const runs = [await first, second]
    for (const r of runs) expect(r.main.exitCode).toBe(0)
    for (const [i, r] of runs.entries()) {
      expect(r.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(await holds(repo, r.outputs.digest, values[i] as string)).toBe(true)
    }
    const [lost, kept] = runs
    expect(lost?.outputs.digest).not.toBe(kept?.outputs.digest)
    const now = (await registry.manifest(repo, 'shared')).digest
    expect(now).toBe(kept?.outputs.digest)
    const moved = `${host}/${repo}:shared now points to ${now}, not to this build's ${lost?.outputs.digest}`
    expect(lost?.summary).toContain(moved)
    expect(annotationsOf(lost!.main, 'warning').map(a => a.message)).toContainEqual(expect.stringContaining(moved))
    expect(kept?.summary).not.toContain('now points to')
    expect(annotationsOf(kept!.main, 'warning')).toEqual([])
  }, 180_000)
})
