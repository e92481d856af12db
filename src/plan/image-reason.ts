/**
 * Why the plan pushes to the image it does, for a refused push ("denied") to name: the "image"
 * input, the "tags" input's first full reference, or the default made of the username (Docker
 * Hub) or the registry and the GitHub repository's name.
 */
import type { GitHubContext } from './inputs/github-context.js'
import { DOCKER_HUB } from './inputs/reference.js'
import type { Settings } from './inputs/settings.js'

export function imageReason(s: Settings, ctx: GitHubContext, fromTags: boolean): string {
  if (fromTags) return 'the first full reference of the "tags" input, as "image" is empty'
  if (s.image !== '') return 'the "image" input'
  const [owner = '', repo = ''] = ctx.repository.split('/')
  if (s.registry === DOCKER_HUB) {
    return `"image" is empty, so the default: the "username" input (${s.username}) as namespace + the repository's name (${repo.toLowerCase()})`
  }
  return `"image" is empty, so the default: the "registry" input (${s.registry}) + the repository's owner and name (${owner.toLowerCase()}/${repo.toLowerCase()})`
}
