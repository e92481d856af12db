/**
 * The registry side of a merge, behind one small interface: find a platform's image (its digest
 * and labels) and create one index at every final tag. docker: `docker buildx imagetools`;
 * podman: `skopeo inspect` and `podman manifest create/add/push --all` (podman-manifests.ts).
 */
import { type FoundImage, type IndexPlan } from '../plan/distribute.js'
import { CommandError, run, type RunResult } from './exec.js'
import { defaultHooks } from './engine.js'
import { type RetryHooks, type RetryPolicy, withRetries } from './retry.js'
import { timeoutMs } from '../shared/timeouts.js'

/** The registry reads and writes of a merge job. */
export interface IndexTool {
  /** The image at `reference` (its config for `platform` when it is an index); undefined when there is none. */
  find(reference: string, platform: string): Promise<FoundImage | undefined>
  /** One index of these images (by digest) at every tag of `index`; returns the index's digest. */
  create(index: IndexPlan, digests: string[], annotations: string[]): Promise<string>
}

/** A registry's "there is nothing at this reference", as docker, buildx and skopeo word it. */
export function isNotFound(output: string): boolean {
  return /not found|manifest unknown|name unknown|no such manifest|MANIFEST_UNKNOWN|NAME_UNKNOWN|404/i.test(output)
}

interface InspectJson {
  manifest?: { digest?: string }
  image?: Record<string, unknown>
}

function labelsOf(config: unknown): Record<string, string> {
  const labels = (config as { config?: { Labels?: Record<string, string> | null } } | undefined)?.config?.Labels
  return labels ?? {}
}

/**
 * `imagetools inspect --format '{{json .}}'`: the top manifest's digest, and the image config of
 * `platform` (`image` is the config itself for one manifest, a map by platform for an index).
 */
export function parseImagetoolsInspect(json: string, platform: string): FoundImage {
  const parsed = JSON.parse(json) as InspectJson
  const digest = parsed.manifest?.digest ?? ''
  const image = parsed.image ?? {}
  const config = 'architecture' in image || 'config' in image ? image : image[platform]
  return { digest, labels: labelsOf(config) }
}

/** The index digest from `imagetools inspect --format '{{json .Manifest}}'`. */
export function parseManifestDigest(json: string): string {
  return (JSON.parse(json) as { digest?: string }).digest ?? ''
}

/** `imagetools create`: every final tag of the repository, the index annotations, each platform's image by digest. */
export function imagetoolsCreateArgs(index: IndexPlan, digests: string[], annotations: string[]): string[] {
  const args = ['buildx', 'imagetools', 'create']
  for (const tag of index.tags) args.push('--tag', tag)
  for (const a of annotations) args.push('--annotation', `index:${a}`)
  return [...args, ...digests.map(d => `${index.repository}@${d}`)]
}

/** Each registry call of a merge, retried on a transient registry failure like a push (`retries`, `retry-delay`). */
export class Retrying {
  constructor(
    private readonly policy: RetryPolicy = { retries: 0, delayMs: 0 },
    private readonly hooks: RetryHooks = defaultHooks
  ) {}

  async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return (await withRetries(what, this.policy, this.hooks, fn)).value
  }
}

/** docker buildx imagetools, with this run's docker config (the merge job's login). */
export class BuildxImagetools extends Retrying implements IndexTool {
  constructor(
    private readonly env: Record<string, string>,
    policy?: RetryPolicy,
    hooks?: RetryHooks
  ) {
    super(policy, hooks)
  }

  private exec(args: string[], allowFailure = false, silent = false): Promise<RunResult> {
    return run('docker', args, { env: this.env, allowFailure, silent, timeoutMs: timeoutMs('push', process.env) })
  }

  async find(reference: string, platform: string): Promise<FoundImage | undefined> {
    const args = ['buildx', 'imagetools', 'inspect', reference, '--format', '{{json .}}']
    return this.retry(`Reading ${reference}`, async () => {
      const r = await this.exec(args, true, true)
      if (r.exitCode === 0) return parseImagetoolsInspect(r.stdout, platform)
      if (isNotFound(`${r.stdout}\n${r.stderr}`)) return undefined
      throw new CommandError('docker buildx imagetools inspect', r.exitCode, r.stdout, r.stderr)
    })
  }

  async create(index: IndexPlan, digests: string[], annotations: string[]): Promise<string> {
    await this.retry(`Creating the index at ${index.tags.join(', ')}`, () => this.exec(imagetoolsCreateArgs(index, digests, annotations)))
    const first = index.tags[0] as string
    const inspect = ['buildx', 'imagetools', 'inspect', first, '--format', '{{json .Manifest}}']
    const r = await this.retry(`Reading ${first}`, () => this.exec(inspect, false, true))
    return parseManifestDigest(r.stdout)
  }
}
