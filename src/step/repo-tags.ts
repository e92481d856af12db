/**
 * The repository's git tags, for `latest: semver` (is the tag being built the highest stable
 * version?): the checkout's; or, when the checkout has no tag but the one being built (what
 * actions/checkout fetches by default, fetch-depth 1), the GitHub API's. When the API cannot
 * answer, the checkout's tags as before, with a notice saying so.
 */
import * as core from '@actions/core'
import type { listTags, TagsRequest } from '../lazy/github.js'

export type ListTags = typeof listTags

/** dist/github/index.js, its own bundle (see the build script), loaded only here. */
async function loadListTags(): Promise<ListTags> {
  const bundle: string = '../github/index.js'
  return ((await import(/* webpackIgnore: true */ bundle)) as typeof import('../lazy/github.js')).listTags
}

/**
 * `checkoutTags`: `git tag --list` in the workspace; `ownTag`: the tag being built. Says in the
 * log which source the tags came from. Never throws for the API: it only adds tags.
 */
export async function repositoryTags(
  checkoutTags: string[],
  ownTag: string | undefined,
  request: TagsRequest,
  load: () => Promise<ListTags> = loadListTags
): Promise<string[]> {
  const own = ownTag ?? 'the tag being built'
  if (checkoutTags.some(t => t !== ownTag)) {
    core.info(`latest: semver compares ${own} with the checkout's ${checkoutTags.length} git tags.`)
    return checkoutTags
  }
  const endpoint = `GET ${request.apiUrl.replace(/\/+$/, '')}/repos/${request.repository}/tags`
  let why: string
  if (request.token.trim() === '') why = 'the "github-token" input is empty'
  else if (!/^[^/\s]+\/[^/\s]+$/.test(request.repository)) why = `the repository is "${request.repository}", not owner/repo`
  else {
    try {
      const tags = await (await load())({ ...request, token: request.token.trim() })
      core.info(
        `latest: semver compares ${own} with the repository's ${tags.length} tags from the GitHub API (${endpoint}): the checkout has no other git tag.`
      )
      return [...new Set([...checkoutTags, ...tags])]
    } catch (e) {
      why = e instanceof Error ? e.message : String(e)
    }
  }
  core.notice(
    `latest: semver could not read the repository's tags from the GitHub API (${endpoint}: ${why}) and the checkout has no other git tag: ${own} gets latest if it is a stable version, as if it were the newest. Give actions/checkout fetch-depth: 0 (or fetch-tags: true) to compare it with every tag.`
  )
  return checkoutTags
}
