import fc from 'fast-check'
import { makePlan } from '../../src/plan/plan.js'
import { parseReference, TAG } from '../../src/plan/inputs/reference.js'
import { deriveTags, sanitizeTag, type Trigger } from '../../src/plan/tags.js'
import type { LatestPolicy } from '../../src/shared/input-grammar.js'
import { ctxOf, FACTS, SHA, settingsOf } from './fixtures.js'

const anyRef = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.stringMatching(/^[a-z0-9/#$`;'" \n.-]{0,200}$/)
)
const policy = fc.constantFrom<LatestPolicy>('default-branch', 'semver', 'always', 'never')

describe('properties of the plan', () => {
  it('gives every branch, tag or PR tags that match the Docker grammar', () => {
    fc.assert(
      fc.property(anyRef, fc.boolean(), policy, fc.nat(), (name, isTag, latest, n) => {
        const triggers: Trigger[] = [
          isTag ? { kind: 'tag', name, sha: SHA } : { kind: 'branch', name, sha: SHA, isDefaultBranch: false },
          { kind: 'pull_request', number: n, sha: SHA }
        ]
        for (const t of triggers) for (const tag of deriveTags(t, latest).tags) expect(tag).toMatch(TAG)
      }),
      { numRuns: 500 }
    )
  })

  it('sanitises any string into a valid tag, and keeps valid tags as they are', () => {
    fc.assert(
      fc.property(anyRef, raw => {
        const tag = sanitizeTag(raw)
        expect(tag).toMatch(TAG)
        if (TAG.test(raw)) expect(tag).toBe(raw)
      }),
      { numRuns: 1000 }
    )
  })

  it('makes references that parse back to themselves for any pushed ref', () => {
    fc.assert(
      fc.property(anyRef, fc.constantFrom('refs/heads/', 'refs/tags/'), (name, prefix) => {
        const plan = makePlan(settingsOf({ registry: 'localhost:5000', image: 'team/app' }), ctxOf({ ref: prefix + name }), FACTS)
        for (const ref of plan.references) {
          const parsed = parseReference(ref, { registry: 'docker.io', username: '', input: 'tags' })
          expect(`${parsed.registry}/${parsed.path}:${parsed.tag}`).toBe(ref)
        }
      }),
      { numRuns: 500 }
    )
  })
})
