// The condition of the post step (actions/runner sources): the post step is registered when main
// starts and runs with condition `post-if`, default `always()` (ActionManifestManager.ConvertRuns),
// so also after a failed main.

/**
 * The runner's answer to a `post-if` made of status functions joined by `||` (what actions use),
 * after a main that ended with `conclusion`; this harness never cancels a job. Anything else is
 * an error, not a guess.
 */
export function postCondition(postIf: string, conclusion: string): boolean {
  const status: Record<string, boolean> = {
    'always()': true,
    'success()': conclusion === 'success',
    'failure()': conclusion === 'failure',
    'cancelled()': false
  }
  const terms = postIf.trim() === '' ? ['always()'] : postIf.split('||').map(t => t.replace(/\s+/g, ''))
  return terms.some(t => {
    const v = status[t]
    if (v === undefined) throw new Error(`post-if "${postIf}": this harness knows only ${Object.keys(status).join(', ')} joined by ||`)
    return v
  })
}
