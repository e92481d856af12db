/**
 * The `flavor` input, read as docker/metadata-action reads its `flavor`: `latest=auto|true|false`,
 * `prefix=` and `suffix=` for every tag of the rules, each with `onlatest=true` to apply to
 * `latest` as well (on the same line).
 */
import { parse } from 'csv-parse/sync'
import { InputError, show } from '../../shared/errors.js'

export interface Flavor {
  latest: 'auto' | 'true' | 'false'
  prefix: string
  prefixLatest: boolean
  suffix: string
  suffixLatest: boolean
}

/** metadata-action's flavor when none is given. */
export const DEFAULT_FLAVOR: Readonly<Flavor> = { latest: 'auto', prefix: '', prefixLatest: false, suffix: '', suffixLatest: false }

/** The flavor, or undefined when the input has no entry. */
export function parseFlavor(raw: string): Flavor | undefined {
  const lines = raw
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l !== '' && !l.startsWith('#'))
  if (lines.length === 0) return undefined
  const flavor: Flavor = { ...DEFAULT_FLAVOR }
  for (const line of lines) {
    const fail = (why: string): never => {
      throw new InputError(`Input "flavor" has ${show(line)}: ${why}.`)
    }
    let fields: string[]
    try {
      fields = ((parse(line, { relaxColumnCount: true, skipEmptyLines: true }) as string[][])[0] ?? []).map(String)
    } catch (e) {
      return fail(`it is not CSV (${(e as Error).message})`)
    }
    let onLatestFor: 'prefix' | 'suffix' | '' = ''
    for (const field of fields) {
      // metadata-action splits on every "=" and takes the second part.
      const parts = field.split('=').map(p => p.trim())
      const key = (parts[0] as string).toLowerCase()
      const value = parts[1]
      if (value === undefined) fail(`write key=value: latest=auto|true|false, prefix=..., suffix=..., onlatest=true|false`)
      switch (key) {
        case 'latest':
          if (!['auto', 'true', 'false'].includes(value as string)) fail(`latest=${value} is not auto, true or false`)
          flavor.latest = value as Flavor['latest']
          break
        case 'prefix':
        case 'suffix':
          flavor[key] = value as string
          onLatestFor = key
          break
        case 'onlatest':
          if (!['true', 'false'].includes(value as string)) fail(`onlatest=${value} is not true or false`)
          if (onLatestFor === 'prefix') flavor.prefixLatest = value === 'true'
          if (onLatestFor === 'suffix') flavor.suffixLatest = value === 'true'
          break
        default:
          fail(`${key}= is not a flavor: use latest=, prefix=, suffix= (with onlatest=)`)
      }
    }
  }
  return flavor
}
