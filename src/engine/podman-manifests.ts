/**
 * The merge with podman: `skopeo inspect` reads a platform image's digest and labels, and a local
 * manifest list (`podman manifest create`, `add --all`, `push --all`, `rm`) becomes the index at
 * every final tag. podman 4 cannot annotate an index itself, so the index carries no annotations.
 */
import { randomUUID } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as core from '@actions/core'
import type { FoundImage, IndexPlan } from '../plan/distribute.js'
import { CommandError, run, type RunResult } from './exec.js'
import { type IndexTool, isNotFound, Retrying } from './imagetools.js'
import type { RetryHooks, RetryPolicy } from './retry.js'
import { timeoutMs } from '../shared/timeouts.js'

/**
 * `skopeo inspect` of the image for `platform` (os/arch[/variant]), an index resolved to it. skopeo
 * 1.9 reads CONTAINERS_REGISTRIES_CONF (podman's registries, e.g. an insecure one) only as a flag.
 */
export function skopeoInspectArgs(reference: string, platform: string, registriesConf = ''): string[] {
  const [osName = '', arch = '', variant] = platform.split('/')
  const args = [
    ...(registriesConf ? ['--registries-conf', registriesConf] : []),
    'inspect',
    '--override-os',
    osName,
    '--override-arch',
    arch
  ]
  if (variant) args.push('--override-variant', variant)
  return [...args, `docker://${reference}`]
}

/** The podman commands that make one index: create a local list, add each image (all of an index), push it to every tag, remove it. */
export function podmanIndexCommands(list: string, index: IndexPlan, digests: string[], digestFile: string): string[][] {
  return [
    ['manifest', 'create', list],
    ...digests.map(d => ['manifest', 'add', '--all', list, `docker://${index.repository}@${d}`]),
    ...index.tags.map(tag => ['manifest', 'push', '--all', '--digestfile', digestFile, list, `docker://${tag}`])
  ]
}

/** podman and skopeo with this run's auth file (REGISTRY_AUTH_FILE). */
export class PodmanManifests extends Retrying implements IndexTool {
  constructor(
    private readonly env: Record<string, string>,
    policy?: RetryPolicy,
    hooks?: RetryHooks
  ) {
    super(policy, hooks)
  }

  private exec(command: string, args: string[], allowFailure = false, silent = false): Promise<RunResult> {
    return run(command, args, { env: this.env, allowFailure, silent, timeoutMs: timeoutMs('push', process.env) })
  }

  async find(reference: string, platform: string): Promise<FoundImage | undefined> {
    const args = skopeoInspectArgs(reference, platform, process.env.CONTAINERS_REGISTRIES_CONF)
    return this.retry(`Reading ${reference}`, async () => {
      const r = await this.exec('skopeo', args, true, true)
      if (r.exitCode === 0) {
        const json = JSON.parse(r.stdout) as { Digest?: string; Labels?: Record<string, string> | null }
        return { digest: json.Digest ?? '', labels: json.Labels ?? {} }
      }
      if (isNotFound(`${r.stdout}\n${r.stderr}`)) return undefined
      throw new CommandError('skopeo inspect', r.exitCode, r.stdout, r.stderr)
    })
  }

  async create(index: IndexPlan, digests: string[], annotations: string[]): Promise<string> {
    if (annotations.length > 0)
      core.info('podman 4 cannot annotate an index: the index carries no annotations (the images keep their labels).')
    const list = `localhost/docker-ship-merge-${randomUUID()}`
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docker-ship-merge-'))
    const digestFile = path.join(dir, 'digest')
    try {
      for (const args of podmanIndexCommands(list, index, digests, digestFile)) {
        await this.retry(`podman ${args.slice(0, 2).join(' ')}`, () => this.exec('podman', args))
      }
      return fs.readFileSync(digestFile, 'utf8').trim()
    } finally {
      await this.exec('podman', ['manifest', 'rm', list], true)
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}
