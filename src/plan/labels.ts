/**
 * The image's OCI labels, from the GitHub context, merged with the `labels` input.
 */
import type { GitHubContext } from './inputs/github-context.js'
import type { KeyValue } from './inputs/input-list.js'

/**
 * OCI labels from the event payload (no API call), merged with the `labels` input; user keys win.
 * `created` is the commit's time when the payload has it, so rebuilding one commit gives the same
 * labels; otherwise `now`.
 */
export function deriveLabels(ctx: GitHubContext, version: string, user: KeyValue[], now: Date): Record<string, string> {
  const repoName = ctx.repository.split('/')[1] ?? ctx.repository
  const url = ctx.repoUrl ?? (ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined)
  const oci: Record<string, string | undefined> = {
    'org.opencontainers.image.title': repoName || undefined,
    'org.opencontainers.image.description': ctx.repoDescription,
    'org.opencontainers.image.url': url,
    'org.opencontainers.image.source': url,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.created': ctx.commitTime ?? now.toISOString(),
    'org.opencontainers.image.revision': ctx.sha || undefined,
    'org.opencontainers.image.licenses': ctx.license && ctx.license !== 'NOASSERTION' ? ctx.license : undefined
  }
  const labels: Record<string, string> = {}
  for (const [k, v] of Object.entries(oci)) if (v !== undefined) labels[k] = v
  for (const { key, value } of user) labels[key] = value
  return labels
}
