/**
 * Release promotion, the step: on a git tag or a release, read the `sha-<7>` image of this commit
 * from each registry; when every one was built from this commit with the same inputs, write the
 * release's references from it (a new config with the release's labels, the same layers, every
 * platform of an index) instead of building. Anything else, or any registry error, builds.
 */
import * as core from '@actions/core'
import type { BuildOutcome, EngineName } from '../engine/engine.js'
import { type RegistryCredentials, RegistryApi } from '../engine/registry-api.js'
import type { Plan } from '../plan/plan.js'
import type { Target } from '../plan/targets.js'
import type { TestedBuildsContext } from './tested-build.js'
import { type Decision, decide, decideAll, type FoundImage, repositoriesOf } from '../plan/promote.js'
import {
  annotationLevels,
  type AnnotationLevels,
  type Descriptor,
  digestOf,
  INDEX_TYPES,
  type IndexJson,
  isAttestation,
  type ManifestJson,
  platformOf,
  promotedConfig,
  promotedIndex,
  promotedManifest
} from '../plan/promote-manifests.js'
import { plain } from '../shared/log-text.js'

/** One platform image of the source: its manifest and config, as read. */
interface SourcePart {
  digest: string
  mediaType: string
  manifest: Buffer
  config: Buffer
  platform: string
}

interface Source {
  api: RegistryApi
  repo: string
  name: string
  tags: string[]
  top?: { digest: string; mediaType: string; bytes: Buffer }
  parts: SourcePart[]
}

function labelsOf(config: Buffer): Record<string, string> {
  const json = JSON.parse(config.toString('utf8')) as { config?: { Labels?: Record<string, string> | null } }
  return json.config?.Labels ?? {}
}

async function readPart(api: RegistryApi, repo: string, digest: string, mediaType: string, bytes: Buffer, platform: string) {
  const manifest = JSON.parse(bytes.toString('utf8')) as ManifestJson
  return { digest, mediaType, manifest: bytes, config: await api.blob(repo, manifest.config.digest), platform }
}

/** The source image of one repository, every platform of an index (attestations apart). */
async function readSource(source: Source, tag: string): Promise<FoundImage | undefined> {
  const top = await source.api.manifest(source.repo, tag)
  if (!top) return undefined
  source.top = top
  if (INDEX_TYPES.includes(top.mediaType)) {
    const index = JSON.parse(top.bytes.toString('utf8')) as IndexJson
    for (const d of index.manifests.filter((m: Descriptor) => !isAttestation(m))) {
      const m = await source.api.manifest(source.repo, d.digest)
      if (!m) throw new Error(`${source.name}@${d.digest} is in the index but not in the registry`)
      source.parts.push(await readPart(source.api, source.repo, d.digest, d.mediaType, m.bytes, platformOf(d)))
    }
  } else {
    source.parts.push(await readPart(source.api, source.repo, top.digest, top.mediaType, top.bytes, ''))
  }
  return {
    reference: `${source.name}:${tag}@${top.digest}`,
    platforms: source.parts.map(p => ({ platform: p.platform, labels: labelsOf(p.config) }))
  }
}

/** Writes the release's manifests beside the source's and tags them; the digest of the top one. */
async function writeRelease(s: Source, labels: Record<string, string>, levels: AnnotationLevels): Promise<string> {
  const top = s.top as NonNullable<Source['top']>
  const replaced = new Map<string, { digest: string; size: number }>()
  let single: Buffer | undefined
  const isIndex = INDEX_TYPES.includes(top.mediaType)
  for (const part of s.parts) {
    const config = promotedConfig(part.config, labels)
    await s.api.putBlob(s.repo, config)
    const manifest = promotedManifest(part.manifest, { digest: digestOf(config), size: config.length }, levels.manifest)
    // An index's manifests go first, by digest, so the index never points at a missing one.
    if (isIndex) await s.api.putManifest(s.repo, digestOf(manifest), part.mediaType, manifest)
    replaced.set(part.digest, { digest: digestOf(manifest), size: manifest.length })
    single = manifest
  }
  const bytes = isIndex ? promotedIndex(top.bytes, replaced, levels) : (single as Buffer)
  for (const tag of s.tags) await s.api.putManifest(s.repo, tag, top.mediaType, bytes)
  return digestOf(bytes)
}

export type CredentialsFor = (registry: string) => RegistryCredentials | undefined

/**
 * Promotes the plan's release from the `sha-<7>` image of its commit, or says why it builds.
 * Returns the outcome of the promotion, or undefined: build as usual.
 */
export async function promoteRelease(
  plan: Plan,
  engine: EngineName,
  credentialsFor: CredentialsFor,
  fetchFn: typeof globalThis.fetch = globalThis.fetch
): Promise<BuildOutcome | undefined> {
  const p = plan.promotion
  if (!p) return undefined
  return core.group('Promote', async () => {
    const apis = new Map<string, RegistryApi>()
    const sources: Source[] = repositoriesOf(plan.references).map(r => {
      const api = apis.get(r.registry) ?? new RegistryApi(r.registry, credentialsFor(r.registry), fetchFn)
      apis.set(r.registry, api)
      const name = r.registry === 'docker.io' ? r.path.replace(/^library\//, '') : `${r.registry}/${r.path}`
      return { api, repo: r.path, name, tags: r.tags, parts: [] }
    })
    let decision: Decision
    try {
      decision = decideAll(await Promise.all(sources.map(async s => decide(p, s.name, await readSource(s, p.sourceTag)))))
    } catch (e) {
      decision = { promote: false, reason: `the registry could not be read (${e instanceof Error ? e.message : String(e)})` }
    }
    if (!decision.promote) {
      core.info(plain(`Not promoted, building: ${decision.reason}.`))
      return undefined
    }
    const levels = annotationLevels(plan.build.inputs.annotations)
    let digest = ''
    try {
      for (const s of sources) {
        const written = await writeRelease(s, plan.labels, levels)
        digest ||= written
      }
    } catch (e) {
      core.info(plain(`Promotion failed, building: ${e instanceof Error ? e.message : String(e)}.`))
      return undefined
    }
    const sourcesLine = sources.map(s => `${s.name}:${p.sourceTag}@${s.top?.digest ?? ''}`).join(', ')
    core.info(
      plain(`Promoted from ${sourcesLine}: no build; same layers, version label ${plan.labels['org.opencontainers.image.version'] ?? '-'}.`)
    )
    core.info(plain(`Pushed ${plan.references.join(', ')} as ${digest}.`))
    return {
      engine,
      digest,
      imageId: '',
      metadata: '',
      pushed: plan.references,
      steps: { steps: 0, cached: 0 },
      attempts: 1,
      promotedFrom: sourcesLine
    }
  })
}

/**
 * The step's targets: each release that can be promoted is, and the others are built by `build`
 * (tested first with `test`); the outcomes in the order of the targets.
 */
export async function promoteThenBuild(
  c: TestedBuildsContext,
  credentialsFor: (plan: Plan, registry: string) => RegistryCredentials | undefined,
  build: (c: TestedBuildsContext) => Promise<BuildOutcome[]>
): Promise<BuildOutcome[]> {
  const promoted: (BuildOutcome | undefined)[] = []
  for (const { plan } of c.targets) {
    const outcome = await promoteRelease(plan, c.engine.name, r => credentialsFor(plan, r))
    if (outcome) c.onPushed?.(outcome.pushed)
    promoted.push(outcome)
  }
  if (c.settings.test && promoted.some(Boolean)) {
    core.info('The "test" input does not run for a promoted release: its image is the one the default branch built at this commit.')
  }
  const rest = c.targets.map((t, i) => ({ t, i })).filter(({ i }) => !promoted[i])
  const restTargets: Target[] = rest.map(r => r.t)
  const built = rest.length === 0 ? [] : await build({ ...c, targets: restTargets, files: j => c.files((rest[j] as { i: number }).i) })
  return c.targets.map((_, i) => promoted[i] ?? (built.shift() as BuildOutcome))
}
