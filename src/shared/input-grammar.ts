/**
 * The vocabulary of the action's inputs that both sides share: the values of the choice inputs
 * and the grammar of builder names, engine addresses and durations. No imports: settings.ts
 * validates the inputs with it, and the entry's early probe (node built-ins only, before the
 * action's bundle loads) reads the same raw inputs with it.
 */

export const PUSH_MODES = ['auto', 'true', 'false'] as const
export const LATEST_POLICIES = ['default-branch', 'semver', 'always', 'never'] as const
export const ENGINES = ['auto', 'buildx', 'docker', 'podman'] as const
export const CACHE_MODES = ['auto', 'off', 'inline', 'registry'] as const

export type PushMode = (typeof PUSH_MODES)[number]
export type LatestPolicy = (typeof LATEST_POLICIES)[number]
export type EngineChoice = (typeof ENGINES)[number]
export type CacheMode = (typeof CACHE_MODES)[number]

/** A `builder` input the action accepts (buildx builder names). */
export const BUILDER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
/** A `docker-host` input the action accepts (engine addresses). */
export const ENGINE_ADDRESS = /^(tcp|ssh|unix|npipe|fd):\/\/\S+$/

/** `2`, `2s`, `1.5s`, `500ms` -> milliseconds; NaN when unreadable. */
export function parseDuration(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(raw.trim())
  if (!m) return Number.NaN
  return m[2] === 'ms' ? Number(m[1]) : Number(m[1]) * 1000
}
