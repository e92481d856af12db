// The engine and registry the bench runs against: the env file of scripts/e2e-env.sh, the real
// docker binary, and the bench's own docker for setup and clean-up (images, build cache, base image).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fail, progress } from './common.mjs'
import { BASE_ENV, engineEnv, must, run, tmpRoot } from './proc.mjs'
import { registryRequest } from './registry.mjs'

const STATE_DIR = process.env.E2E_STATE_DIR || '/var/tmp/docker-ship-e2e'
const ENV_FILE = path.join(STATE_DIR, 'env')

/** The registry of scripts/e2e-env.sh (and its classic-store engine, when it ran with one), from its env file. */
export function readEnvFile() {
  let text
  try {
    text = fs.readFileSync(ENV_FILE, 'utf8')
  } catch {
    fail(`${ENV_FILE} is missing: run \`bash scripts/e2e-env.sh\` (as root) first`)
  }
  const env = {}
  for (const line of text.split('\n')) {
    const i = line.indexOf('=')
    if (i > 0 && !line.startsWith('#')) env[line.slice(0, i).trim()] = line.slice(i + 1)
  }
  for (const k of ['E2E_REGISTRY', 'E2E_REGISTRY_USER', 'E2E_REGISTRY_PASSWORD', 'E2E_REGISTRY_LOG', 'E2E_BASE_IMAGE']) {
    if (!env[k]) fail(`${ENV_FILE} has no ${k}: rerun \`bash scripts/e2e-env.sh\``)
  }
  return {
    host: env.E2E_REGISTRY,
    user: env.E2E_REGISTRY_USER,
    password: env.E2E_REGISTRY_PASSWORD,
    log: env.E2E_REGISTRY_LOG,
    baseImage: env.E2E_BASE_IMAGE,
    // scripts/e2e-env.sh --classic-engine: a dockerd on the classic image store.
    classicHost: env.E2E_CLASSIC_DOCKER_HOST || null
  }
}

/** The real docker binary: the first `docker` on PATH that is not one of our shims. */
export function realDocker() {
  for (const dir of (process.env.PATH || '').split(':')) {
    if (!dir || (tmpRoot() && dir.startsWith(tmpRoot()))) continue
    const p = path.join(dir, 'docker')
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {
      /* not here */
    }
  }
  fail('no docker on PATH')
}

/** The bench's own docker (its own config, logged in once) for setup and clean-up. */
export function adminDocker(ctx, args, opts = {}) {
  return run(ctx.docker, args, {
    env: { ...BASE_ENV(), ...engineEnv(ctx), HOME: ctx.adminDir, DOCKER_CONFIG: ctx.adminConfig },
    timeoutMs: 180_000,
    ...opts
  })
}

export async function localImages(ctx, repo) {
  const r = await adminDocker(ctx, ['images', '--format', '{{.Repository}}:{{.Tag}}', `${ctx.reg.host}/${repo}`])
  return r.stdout
    .split('\n')
    .map(s => s.trim())
    .filter(s => s && !s.endsWith(':<none>'))
}

export async function removeImages(ctx, refs) {
  for (const ref of refs) await adminDocker(ctx, ['rmi', '--force', ref])
}

export async function pruneBuildCache(ctx) {
  must(await adminDocker(ctx, ['builder', 'prune', '--all', '--force'], { timeoutMs: 300_000 }), 'docker builder prune')
}

/** `<registry>/bench/base:busybox`: the e2e base image pushed once, so a wiped engine pulls it like a runner would. */
export async function ensureBase(ctx) {
  const head = await registryRequest(ctx.reg, 'HEAD', '/v2/bench/base/manifests/busybox')
  if (head.status === 200) return
  progress(`pushing ${ctx.reg.baseImage} as ${ctx.base} (once)`)
  must(await adminDocker(ctx, ['tag', ctx.reg.baseImage, ctx.base]), 'docker tag of the base image')
  must(await adminDocker(ctx, ['push', ctx.base]), 'docker push of the base image')
  await adminDocker(ctx, ['rmi', ctx.base])
}
