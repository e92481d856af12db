/**
 * The job's token in the build context: actions/checkout leaves it in `.git/config` (an
 * `http.<url>.extraheader` of `AUTHORIZATION: basic ...`, or a `https://user:token@` remote), and
 * a `COPY . .` without `.git` in the `.dockerignore` puts it in a layer of the pushed image.
 */
import { existsSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { InputError } from '../shared/errors.js'

const CREDENTIAL = /^\s*extraheader\s*=.*authorization:|[a-z][\w+.-]*:\/\/[^\s/@:]+:[^\s/@]+@/im

/** `pattern` of a .dockerignore as a RegExp of paths (`*` within a name, `**` across names). */
function globOf(pattern: string): RegExp {
  const glob: Record<string, string> = { '**/': '(.*/)?', '**': '.*', '*': '[^/]*', '?': '[^/]' }
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?|\*|\?/g, m => glob[m] as string)
  return new RegExp(`^${body}(/.*)?$`)
}

/** Whether a .dockerignore leaves `.git/config` out: the last pattern that matches it decides. */
export function ignoresGitConfig(dockerignore: string): boolean {
  let ignored = false
  for (const raw of dockerignore.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const keep = line.startsWith('!')
    const pattern = path.posix.normalize(line.slice(keep ? 1 : 0).trim()).replace(/^\/+|\/+$/g, '')
    if (globOf(pattern).test('.git/config')) ignored = !keep
  }
  return ignored
}

/**
 * Throws before any login when `context` sends a `.git/config` holding a credential to the build:
 * BuildKit reads `<Dockerfile>.dockerignore` when there is one, else the context's `.dockerignore`.
 */
export function checkGitCredentials(context: string, dockerfile: string): void {
  const config = path.join(context, '.git', 'config')
  let text: string
  try {
    text = readFileSync(config, 'utf8')
  } catch {
    return
  }
  if (!CREDENTIAL.test(text)) return
  const own = `${dockerfile}.dockerignore`
  const ignore = existsSync(own) ? own : path.join(context, '.dockerignore')
  if (existsSync(ignore) && ignoresGitConfig(readFileSync(ignore, 'utf8'))) return
  throw new InputError(
    `${config} holds a credential (actions/checkout's token) and the build context sends it, so a COPY would put it in the image: add .git to ${ignore}, or check out with persist-credentials: false.`
  )
}
