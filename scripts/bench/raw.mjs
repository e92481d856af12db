// The raw docker CLI doing the action's work (login, the action's own build argv, logout), the
// floor every figure is compared with.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { progress } from './common.mjs'
import { BASE_ENV, engineEnv, must, rmrf, run, tempDir } from './proc.mjs'

/** `argv` with the value after each flag of `values` replaced (a flag that is missing is an error). */
function withFlags(argv, values) {
  const out = [...argv]
  for (const [flag, value] of Object.entries(values)) {
    const i = out.indexOf(flag)
    if (i < 0 || i === out.length - 1) throw new Error(`the action's argv has no ${flag}`)
    out[i + 1] = value
  }
  return out
}

/** Raw runs redone after a registry 5xx (see runRaw); listed in the notes. */
export const REDONE = []

/**
 * The raw CLI has no retries: when the registry answers a 5xx (distribution 2.8 sometimes races a
 * tag's HEAD with its PUT: 500 "invalid checksum digest format"), the whole raw run is done again
 * once, so one registry hiccup does not end the bench. The timing is the second run's.
 */
export async function runRaw(ctx, opts) {
  try {
    return await runRawOnce(ctx, opts)
  } catch (e) {
    const status = / (5\d\d) [A-Z][a-z]/.exec(String(e?.message))?.[1]
    if (!status) throw e
    REDONE.push(`a raw run was redone after the registry answered ${status}`)
    progress(`raw run: the registry answered ${status}; doing it again`)
    return await runRawOnce(ctx, opts)
  }
}

/**
 * The raw CLI doing the action's work: its own temp DOCKER_CONFIG, `docker login
 * --password-stdin`, the given buildx argv with its own --iidfile/--metadata-file, `docker logout`.
 */
async function runRawOnce(ctx, { workspace, argv, timeoutMs = 180_000, replace = {}, docker = ctx.docker }) {
  const cfg = tempDir('raw')
  const config = path.join(cfg, 'config')
  fs.mkdirSync(config, { mode: 0o700 })
  const env = { ...BASE_ENV(), ...engineEnv(ctx), HOME: path.join(cfg), DOCKER_CONFIG: config, DOCKER_BUILDKIT: '1' }
  const args = withFlags(argv, { '--iidfile': path.join(cfg, 'iid'), '--metadata-file': path.join(cfg, 'metadata.json'), ...replace })
  try {
    const t0 = performance.now()
    const login = await run(docker, ['login', '--username', ctx.reg.user, '--password-stdin', ctx.reg.host], {
      env,
      cwd: workspace,
      input: ctx.reg.password
    })
    must(login, 'raw docker login')
    const build = await run(docker, args, { env, cwd: workspace, timeoutMs })
    must(build, 'raw docker buildx build')
    const logout = await run(docker, ['logout', ctx.reg.host], { env, cwd: workspace })
    must(logout, 'raw docker logout')
    const elapsed = performance.now() - t0
    return { ms: elapsed, login: login.ms, build: build.ms, logout: logout.ms, log: `${build.stdout}\n${build.stderr}` }
  } finally {
    rmrf(cfg)
  }
}
