/**
 * The `registries` input: a YAML list of more registries that get every planned tag.
 */
import { parseYaml as parse } from './yaml-parser.js'
import { InputError, show } from '../../shared/errors.js'
import { normaliseRegistry } from './reference.js'

/** One more registry to push every planned tag to (the `registries` input). */
export interface ExtraRegistry {
  registry: string
  username: string
  password: string
  /** Image path on that registry; '' for the main image's path. */
  image: string
}

const KEYS = ['registry', 'username', 'password', 'image']

function fail(why: string): never {
  throw new InputError(`Input "registries" ${why}`)
}

/**
 * Reads the `registries` input, a YAML list:
 *   - registry: ghcr.io              # username/password default to github.actor + github-token
 *   - registry: docker.io
 *     username: ${{ vars.DOCKERHUB_USERNAME }}
 *     password: ${{ secrets.DOCKERHUB_TOKEN }}
 *     image: user/app                # optional: the path there, else the main image's path
 * Values are never shown in errors (passwords are in it).
 */
export function parseRegistries(raw: string): ExtraRegistry[] {
  if (raw.trim() === '') return []
  let doc: unknown
  try {
    doc = parse(raw)
  } catch (e) {
    fail(
      `is not valid YAML (${(e as Error).message.split('\n')[0]?.replace(/"[^"]*"/g, '"..."')}): write a list of "- registry: host" entries.`
    )
  }
  if (!Array.isArray(doc)) fail('must be a YAML list: "- registry: ghcr.io", one entry per registry.')
  return doc.map((entry: unknown, i: number) => {
    const where = `entry ${i + 1}`
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
      fail(`${where} is not a map: write "- registry: host" with optional username, password, image.`)
    const e = entry as Record<string, unknown>
    const unknown = Object.keys(e).filter(k => !KEYS.includes(k))
    if (unknown.length > 0) fail(`${where} has ${unknown.map(k => `"${k}"`).join(', ')}: the keys are ${KEYS.join(', ')}.`)
    const str = (k: string) => (e[k] === undefined || e[k] === null ? '' : String(e[k]).trim())
    if (str('registry') === '') fail(`${where} has no "registry": give the host, e.g. ghcr.io.`)
    let registry: string
    try {
      registry = normaliseRegistry(str('registry'))
    } catch {
      fail(`${where} has the registry ${show(str('registry'))}: give a registry host such as docker.io, ghcr.io or localhost:5000.`)
    }
    if (str('username').includes(':'))
      fail(`${where} (${registry}) has a username with ":": docker cannot log in with a ":" in the username; give it without.`)
    if (str('password') !== '' && str('username') === '') fail(`${where} (${registry}) has a password but no username: add username.`)
    return { registry, username: str('username'), password: str('password'), image: str('image') }
  })
}
