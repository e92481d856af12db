import { pushError } from '../../src/engine/engine.js'
import { RetriesExhausted } from '../../src/engine/retry.js'
import { bobPlan } from './fixtures.js'

const plan = bobPlan()
const [latest, main, sha] = plan.references as [string, string, string]
const cause = new Error('failed to solve: unexpected status from PUT request: 503 Service Unavailable')

describe('pushError says what was pushed and what was not, in one line', () => {
  it.each<[string, string[], unknown, string]>([
    [
      'nothing pushed, retries spent',
      [],
      new RetriesExhausted('Build and push', 3, { transient: true, cause: '503' }, cause),
      `Push failed after 3 attempts: failed to solve: unexpected status from PUT request: 503 Service Unavailable. Not pushed: ${latest}, ${main}, ${sha}.`
    ],
    [
      'one of three pushed, permanent failure',
      [latest],
      cause,
      `Push failed: failed to solve: unexpected status from PUT request: 503 Service Unavailable. Not pushed: ${main}, ${sha}; pushed before the failure: ${latest}.`
    ],
    [
      'every tag pushed, then a failure',
      [latest, main, sha],
      cause,
      `Push failed after every tag was pushed: failed to solve: unexpected status from PUT request: 503 Service Unavailable. Pushed: ${latest}, ${main}, ${sha}.`
    ]
  ])('%s', (_name, pushed, e, message) => {
    const err = pushError(plan, pushed, e)
    expect(err.message).toBe(message)
    expect(err.message).not.toContain('\n')
    expect(err.notPushed).toEqual(plan.references.filter(r => !pushed.includes(r)))
  })
})
