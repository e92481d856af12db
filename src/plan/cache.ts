/**
 * The cache decision: registry cache, inline cache or none, from the cache inputs, the plan and
 * what the builder can do. Pure.
 */
import type { Plan } from './plan.js'
import type { Builder } from '../shared/builder.js'
import type { CacheMode } from '../shared/input-grammar.js'

/** The cache part of a build: flags for buildx, or build-args and --cache-from for classic docker. */
export interface CachePlan {
  kind: 'off' | 'inline' | 'registry' | 'custom'
  from: string[]
  to: string[]
  /** `BUILDKIT_INLINE_CACHE=1` for the classic engine. */
  inlineArg: boolean
  /** For the log, once: what was chosen and why. */
  note: string
}

/** `repo:tag` candidates to read inline cache from: this branch's tag first, then `latest`. */
function inlineSources(plan: Plan): string[] {
  const first = plan.references[0]
  const latest = `${plan.image}:latest`
  return [...new Set(first ? [first, latest] : [latest])]
}

export interface CacheRequest {
  mode: CacheMode
  /** `cache-from` / `cache-to` given by an expert: passed through as they are. */
  from: string[]
  to: string[]
}

/** BuildKit logs a missing cache source as an ERROR line: say beforehand that it is harmless. */
const FIRST_BUILD = '; on the first build BuildKit reports the cache "not found", which is expected'

export function planCache(req: CacheRequest, plan: Plan, builder: Builder): CachePlan {
  if (req.from.length > 0 || req.to.length > 0) {
    return {
      kind: 'custom',
      from: req.from,
      to: plan.push ? req.to : [],
      inlineArg: false,
      note: 'cache: as given by cache-from / cache-to'
    }
  }
  if (req.mode === 'off') return { kind: 'off', from: [], to: [], inlineArg: false, note: 'cache: off' }
  const wantsRegistry = req.mode === 'registry' || (req.mode === 'auto' && builder.cacheExport)
  if (wantsRegistry && builder.cacheExport) {
    const ref = `${plan.image}:buildcache`
    return {
      kind: 'registry',
      from: [`type=registry,ref=${ref}`],
      // Pull requests read the cache and never write it. A cache that cannot be written (registry
      // fault, quota) must not fail a build whose image was pushed: ignore-error (BuildKit >= 0.11).
      to: plan.push ? [`type=registry,ref=${ref},mode=max,ignore-error=true`] : [],
      inlineArg: false,
      note: `cache: registry cache in ${ref}${plan.push ? '' : ' (read only: this run does not push)'}${FIRST_BUILD}`
    }
  }
  const fallback = wantsRegistry ? ` (cache: registry asked, but the ${builder.driver ?? builder.engine} builder cannot export cache)` : ''
  const sources = inlineSources(plan)
  if (builder.engine === 'podman') {
    return {
      kind: 'off',
      from: [],
      to: [],
      inlineArg: false,
      note: 'cache: podman builds with its local layer cache only (inline and registry cache are BuildKit features)'
    }
  }
  if (builder.engine === 'docker') {
    return {
      kind: 'inline',
      from: sources,
      to: [],
      inlineArg: plan.push,
      note: `cache: inline, from ${sources.join(', ')}${fallback}${FIRST_BUILD}`
    }
  }
  return {
    kind: 'inline',
    from: sources.map(s => `type=registry,ref=${s}`),
    to: plan.push ? ['type=inline'] : [],
    inlineArg: false,
    note: `cache: inline, from ${sources.join(', ')}${fallback}${FIRST_BUILD}`
  }
}
