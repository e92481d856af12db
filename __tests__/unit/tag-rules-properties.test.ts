/**
 * Properties of the type= rules: whatever the rules, flavor and run, every tag is a valid Docker
 * tag; and the tags come in metadata-action's order, by rule priority, highest first, equal
 * priorities in the order written, `latest` last.
 */
import fc from 'fast-check'
import { TAG } from '../../src/plan/inputs/reference.js'
import { makePlan } from '../../src/plan/plan.js'
import { InputError } from '../../src/shared/errors.js'
import { ctxOf, FACTS, settingsOf } from './fixtures.js'

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.stringMatching(/^[-._/#:a-zA-Z0-9 ]{0,40}$/)
)
const csvSafe = text.map(s => s.replace(/["\n\r,]/g, ''))
const rule = fc.oneof(
  csvSafe.map(v => `type=raw,value=${v}`),
  fc.tuple(csvSafe, csvSafe).map(([p, s]) => `type=ref,event=branch,prefix=${p},suffix=${s}`),
  fc.constantFrom('type=ref,event=tag', 'type=ref,event=pr', 'type=edge', 'type=schedule', 'type=sha,format=long', 'type=sha'),
  fc.constantFrom('type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{raw}}'),
  fc.constantFrom(
    'type=match,pattern=\\d+',
    'type=raw,value={{branch}}-{{sha}}',
    "type=raw,value={{date 'dddd, MMMM Do YYYY, h:mm:ss a'}}"
  ),
  csvSafe.map(v => `type=match,pattern=.*,value=${v}`)
)
const run = fc.record({
  eventName: fc.constantFrom('push', 'pull_request', 'schedule', 'workflow_dispatch', 'release'),
  ref: fc.oneof(
    text.map(n => `refs/heads/${n}`),
    text.map(n => `refs/tags/${n}`),
    fc.nat().map(n => `refs/pull/${n}/merge`),
    fc.constantFrom('refs/tags/v1.2.3', 'refs/tags/v2.0.0-rc.1', 'refs/tags/1.0dev4', 'refs/heads/main')
  ),
  sha: fc.constantFrom('', '0123456789abcdef0123456789abcdef01234567')
})

describe('properties of the type= rules', () => {
  it('gives only tags that match the Docker grammar', () => {
    fc.assert(
      fc.property(
        fc.array(rule, { minLength: 1, maxLength: 6 }),
        csvSafe,
        csvSafe,
        fc.boolean(),
        run,
        (rules, prefix, suffix, onLatest, where) => {
          const flavor = `latest=true\nprefix=${prefix},onlatest=${onLatest}\nsuffix=${suffix},onlatest=${onLatest}`
          let plan
          try {
            plan = makePlan(
              settingsOf({ username: 'bob', password: 'pw', image: 'user/app', tags: rules.join('\n'), flavor }),
              ctxOf(where),
              FACTS
            )
          } catch (e) {
            if (e instanceof InputError) return // a random {{ that is no expression: refused with a message
            throw e
          }
          for (const ref of plan.references) expect(ref.replace(/^user\/app:/, '')).toMatch(TAG)
        }
      ),
      { numRuns: 1000 }
    )
  })

  it('orders tags by priority, highest first, stable for equal priorities, latest last', () => {
    const priority = fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(100, 200, 600, 900, 1000))
    fc.assert(
      fc.property(fc.array(fc.tuple(priority, fc.boolean()), { minLength: 1, maxLength: 12 }), fc.boolean(), (entries, latest) => {
        // Each rule gives its own tag t<i>; half of them by their type's default priority (raw: 200).
        const lines = entries.map(([p, own], i) => (own ? `type=raw,value=t${i},priority=${p}` : `type=raw,value=t${i}`))
        const prio = entries.map(([p, own]) => (own ? p : 200))
        const expected = entries
          .map((_, i) => i)
          .sort((a, b) => (prio[b] as number) - (prio[a] as number) || a - b)
          .map(i => `user/app:t${i}`)
        const s = settingsOf({ username: 'bob', password: 'pw', image: 'user/app', tags: lines.join('\n'), flavor: `latest=${latest}` })
        const plan = makePlan(s, ctxOf(), FACTS)
        expect(plan.references).toEqual(latest ? [...expected, 'user/app:latest'] : expected)
        expect(plan.version).toBe(expected[0]?.replace('user/app:', ''))
      }),
      { numRuns: 500 }
    )
  })
})
