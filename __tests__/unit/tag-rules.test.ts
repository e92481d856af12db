/**
 * The type= rules of `tags` and the `flavor` input against docker/metadata-action's own cases:
 * each row is a case of its __tests__/meta.test.ts (named as there: push01, tag17, ...) or of its
 * README, run through the action's settings and plan. The expected tags are metadata-action's
 * expected values for the first image of the case (Docker Ship has one image); where a case has no
 * `tags` (metadata-action's default rules), the row gives `flavor: latest=auto`, which here selects
 * those default rules. The contexts are metadata-action's fixtures (event_*.env): event name,
 * GITHUB_REF, GITHUB_SHA, the repository's default branch `master`, and its mocked clock
 * 2020-01-10T00:30:00Z for both the date and the commit date.
 */
import type { GitHubContext } from '../../src/plan/inputs/github-context.js'
import { makePlan } from '../../src/plan/plan.js'
import { FACTS, settingsOf } from './fixtures.js'

const SHA_DEV = '860c1904a1ce19322e91ac35af1ab07466440c37'
const SHA_MASTER = '266574110acf203503badf966df2ea24b5d732d7'
const SHA_PR = 'a9c8c5828b91be19d9728548b24759e352367ef1'
const SHA_INVALID = '983315b5e8d46e46fc4c49869e85e7ee5fb289ba'
const CLOCK = '2020-01-10T00:30:00.000Z'

const ctx = (eventName: string, ref: string, sha: string, over: Partial<GitHubContext> = {}): GitHubContext => ({
  eventName,
  ref,
  sha,
  repository: 'docker/test-docker-action',
  actor: 'crazy-max',
  serverUrl: 'https://github.com',
  defaultBranch: 'master',
  commitTime: CLOCK,
  ...over
})
const tagPush = (name: string, over: Partial<GitHubContext> = {}): GitHubContext => ctx('push', `refs/tags/${name}`, SHA_DEV, over)

/** metadata-action's fixtures, by their file names. */
const EVENTS = {
  push_dev: ctx('push', 'refs/heads/dev', SHA_DEV),
  push_master: ctx('push', 'refs/heads/master', SHA_MASTER),
  push_invalidchars: ctx('push', 'refs/heads/my/feature#1245', SHA_INVALID),
  workflow_dispatch: ctx('workflow_dispatch', 'refs/heads/master', SHA_DEV),
  schedule: ctx('schedule', 'refs/heads/master', SHA_DEV, { defaultBranch: undefined }),
  pull_request: ctx('pull_request', 'refs/pull/15/merge', SHA_PR, {
    pullRequest: { number: 15, fromFork: false, baseRef: 'master' }
  }),
  // GITHUB_REF of pull_request_target is the base branch; metadata-action reads refs/pull/15/merge.
  pull_request_target: ctx('pull_request_target', 'refs/heads/master', SHA_MASTER, {
    pullRequest: { number: 15, fromFork: false, baseRef: 'master' }
  }),
  release_created: ctx('release', 'refs/tags/v1.1.1', SHA_DEV, { releaseTag: 'v1.1.1' }),
  // The push payload of event_tag_v1.1.1 has base_ref refs/heads/master (tag20 expects master-foo).
  tag_v1_1_1: tagPush('v1.1.1', { baseRef: 'refs/heads/master' }),
  tag_release1: tagPush('release1'),
  tag_20200110_RC2: tagPush('20200110-RC2'),
  tag_v2_0_8_beta_67: tagPush('v2.0.8-beta.67'),
  tag_sometag: tagPush('sometag'),
  tag_p1_v1_0_0: tagPush('p1/v1.0.0'),
  tag_1_2: tagPush('1.2'),
  tag_1_1beta2: tagPush('1.1beta2'),
  tag_1_0dev4: tagPush('1.0dev4'),
  tag_1_2_3rc2: tagPush('1.2.3rc2'),
  tag_v1_2_3rc2: tagPush('v1.2.3rc2'),
  tag_1_2post1: tagPush('1.2post1'),
  empty: ctx('', '', '')
}
type Event = keyof typeof EVENTS

/** The tags and version the action plans for image user/app with these `tags`/`flavor` lines. */
function planned(tags: string[], flavor: string[], event: GitHubContext): { version: string; tags: string[] } {
  const settings = settingsOf({ username: 'bob', password: 'pw', image: 'user/app', tags: tags.join('\n'), flavor: flavor.join('\n') })
  const plan = makePlan(settings, event, { ...FACTS, now: new Date(CLOCK) })
  return { version: plan.version, tags: plan.references.map(r => r.replace(/^user\/app:/, '')) }
}

const DEFAULTS = ['latest=auto']
type Row = [name: string, event: Event, tags: string[], flavor: string[], version: string, expected: string[]]

// prettier-ignore
const META_TESTS: Row[] = [
  // describe('null')
  ['null02: no ref and no sha give no tag', 'empty', ['type=sha', 'type=raw,{{branch}}'], [], '', []],
  // describe('push')
  ['push01: default rules on a branch', 'push_dev', [], DEFAULTS, 'dev', ['dev']],
  ['push02: edge on the default branch', 'push_master', ['type=edge'], [], 'edge', ['edge']],
  ['push03: default rules on the default branch (no latest)', 'push_master', [], DEFAULTS, 'master', ['master']],
  ['push04: edge on workflow_dispatch', 'workflow_dispatch', ['type=edge'], [], 'edge', ['edge']],
  ['push07: branch and short sha', 'push_dev', ['type=ref,event=branch', 'type=sha'], [], 'dev', ['dev', 'sha-860c190']],
  ['push08: edge and sha', 'push_master', ['type=edge', 'type=sha'], [], 'edge', ['edge', 'sha-2665741']],
  ['push09: edge of another branch', 'push_dev', ['type=edge,branch=dev', 'type=sha'], [], 'edge', ['edge', 'sha-860c190']],
  ['push10: edge of a branch not built', 'push_master', ['type=edge,branch=dev', 'type=sha'], [], 'sha-2665741', ['sha-2665741']],
  ['push11: invalid characters, not the default branch', 'push_invalidchars', ['type=edge', 'type=sha'], [], 'sha-983315b', ['sha-983315b']],
  ['push12: semver and pep440 on a branch give nothing', 'push_invalidchars', ['type=semver,pattern={{version}}', 'type=pep440,pattern={{version}}', 'type=edge'], [], '', []],
  ['push13: priority 2000 puts the branch first', 'push_master', ['type=ref,priority=2000,event=branch', 'type=edge'], [], 'master', ['master', 'edge']],
  ['push14: semver and pep440 with value=', 'push_master', ['type=semver,pattern={{version}},value=v1.2.3', 'type=pep440,pattern={{version}},value=v1.2.3', 'type=edge'], [], '1.2.3', ['1.2.3', 'edge', 'latest']],
  ['push15: match with value=', 'push_master', ['type=match,pattern=v(.*),group=1,value=v1.2.3', 'type=edge'], [], '1.2.3', ['1.2.3', 'edge', 'latest']],
  ['push16: enable=false', 'push_master', ['type=match,enable=false,pattern=v(.*),group=1,value=v1.2.3', 'type=edge'], [], 'edge', ['edge']],
  ['push17: global expressions', 'push_master', [
    'type=raw,value=mytag-{{branch}}',
    "type=raw,value=mytag-{{date 'YYYYMMDD'}}",
    "type=raw,value=mytag-cd-{{commit_date 'YYYYMMDD'}}",
    "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    'type=raw,value=mytag-tag-{{tag}}',
    'type=raw,value=mytag-baseref-{{base_ref}}',
    'type=raw,value=mytag-defbranch,enable={{is_default_branch}}'
  ], [], 'mytag-master', ['mytag-master', 'mytag-20200110', 'mytag-cd-20200110', 'mytag-20200110-093000', 'mytag-tag-', 'mytag-baseref-', 'mytag-defbranch']],
  ['push18: long sha', 'push_dev', ['type=ref,event=branch', 'type=sha,format=long'], [], 'dev', ['dev', `sha-${SHA_DEV}`]],
  ['push19: is_default_branch false on another branch', 'push_dev', ['type=edge,branch=master', 'type=ref,event=branch,enable=false', 'type=sha,format=long', 'type=raw,value=defbranch,enable={{is_default_branch}}'], [], `sha-${SHA_DEV}`, [`sha-${SHA_DEV}`]],
  ['push20: only the long sha', 'push_dev', ['type=edge,branch=master', 'type=ref,event=branch,enable=false', 'type=sha,format=long'], [], `sha-${SHA_DEV}`, [`sha-${SHA_DEV}`]],
  ['push21: global expressions, commit date', 'push_master', [
    'type=raw,value=mytag-{{branch}}',
    "type=raw,value=mytag-{{date 'YYYYMMDD'}}",
    "type=raw,value=mytag-{{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}",
    "type=raw,value=mytag-src-{{commit_date 'YYYYMMDD'}}",
    'type=raw,value=mytag-tag-{{tag}}',
    'type=raw,value=mytag-baseref-{{base_ref}}',
    'type=raw,value=mytag-defbranch,enable={{is_default_branch}}'
  ], [], 'mytag-master', ['mytag-master', 'mytag-20200110', 'mytag-20200110-093000', 'mytag-src-20200110', 'mytag-tag-', 'mytag-baseref-', 'mytag-defbranch']],
  // describe('tag')
  ['tag01: default rules on a word tag', 'tag_release1', [], DEFAULTS, 'release1', ['release1', 'latest']],
  ['tag02: default rules on a date tag', 'tag_20200110_RC2', [], DEFAULTS, '20200110-RC2', ['20200110-RC2', 'latest']],
  ['tag03: match, latest=false', 'tag_20200110_RC2', ['type=match,pattern=\\d{8}'], ['latest=false'], '20200110', ['20200110']],
  ['tag04: match group', 'tag_20200110_RC2', ['type=match,pattern=(.*)-RC,group=1'], ['latest=false'], '20200110', ['20200110']],
  ['tag05: quoted match pattern', 'tag_v1_1_1', ['type=match,"pattern=\\d.\\d.\\d"'], [], '1.1.1', ['1.1.1', 'latest']],
  ['tag06: anchored match group', 'tag_v1_1_1', ['type=match,"pattern=^v(\\d.\\d.\\d)$",group=1'], [], '1.1.1', ['1.1.1', 'latest']],
  ['tag07: match of a prerelease', 'tag_v2_0_8_beta_67', ['type=match,"pattern=\\d.\\d.\\d-(alpha|beta).\\d+"'], [], '2.0.8-beta.67', ['2.0.8-beta.67', 'latest']],
  ['tag08: partial match', 'tag_v2_0_8_beta_67', ['type=match,"pattern=\\d.\\d"'], [], '2.0', ['2.0', 'latest']],
  ['tag09: two groups', 'tag_v2_0_8_beta_67', ['type=match,"pattern=v(.*)-beta.(.*)",group=1', 'type=match,"pattern=v(.*)-beta.(.*)",group=2'], [], '2.0.8', ['2.0.8', '67', 'latest']],
  ['tag10: no match', 'tag_sometag', ['type=match,"pattern=\\d.\\d"'], [], '', []],
  ['tag11: semver version, major.minor, major', 'tag_v1_1_1', ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}}'], [], '1.1.1', ['1.1.1', '1.1', '1', 'latest']],
  ['tag12: equal semver forms dedupe', 'tag_v1_1_1', ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}.{{patch}}'], [], '1.1.1', ['1.1.1', 'latest']],
  ['tag13: semver prerelease only gets its version', 'tag_v2_0_8_beta_67', ['type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}}'], [], '2.0.8-beta.67', ['2.0.8-beta.67']],
  ['tag14: semver on a non-semver tag', 'tag_sometag', ['type=ref,event=tag', 'type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}}'], ['latest=false'], 'sometag', ['sometag']],
  ['tag15: raw with priority 2000 first, latest from it', 'tag_v2_0_8_beta_67', ['type=raw,priority=2000,foo', 'type=semver,pattern={{version}}', 'type=match,"pattern=\\d.\\d"'], [], 'foo', ['foo', '2.0.8-beta.67', '2.0']],
  ['tag16: raw first, ref tag, edge', 'tag_v1_1_1', ['type=raw,priority=2000,foo', 'type=ref,event=tag', 'type=edge'], [], 'foo', ['foo', 'v1.1.1']],
  ['tag17: regex literal with flags', 'tag_p1_v1_0_0', ['type=match,"pattern=/^v(\\d.\\d.\\d)$/ig",group=1', 'type=match,pattern=\\d.\\d.\\d', 'type=match,pattern=\\d.\\d', 'type=ref,event=pr', 'type=sha'], [], '1.0.0', ['1.0.0', '1.0', 'sha-860c190', 'latest']],
  ['tag18: a missing group gives nothing', 'tag_p1_v1_0_0', ['type=match,pattern=p1/v(\\d.\\d.\\d),group=1', 'type=match,pattern=p1/v(\\d.\\d),group=1', 'type=match,pattern=p1/v(\\d.\\d),group=3', 'type=ref,event=pr', 'type=sha'], [], '1.0.0', ['1.0.0', '1.0', 'sha-860c190', 'latest']],
  ['tag19: flavor suffix, suffix= of a rule wins', 'tag_p1_v1_0_0', ['type=match,pattern=p1/v(\\d.\\d.\\d),group=1', 'type=match,pattern=p1/v(\\d.\\d),group=1,suffix=', 'type=ref,event=pr', 'type=sha'], ['suffix=-dev'], '1.0.0-dev', ['1.0.0-dev', '1.0', 'sha-860c190-dev', 'latest']],
  ['tag20: tag, sha, base_ref expressions', 'tag_v1_1_1', ['type=raw,{{tag}}-{{sha}}-foo', 'type=raw,{{base_ref}}-foo', 'type=raw,defbranch-foo,enable={{is_default_branch}}'], [], 'v1.1.1-860c190-foo', ['v1.1.1-860c190-foo', 'master-foo']],
  ['tag21: suffix onlatest', 'tag_v1_1_1', ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}.{{patch}}'], ['suffix=-dev,onlatest=true'], '1.1.1-dev', ['1.1.1-dev', 'latest-dev']],
  ['tag22: prefix and suffix onlatest', 'tag_v1_1_1', ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}.{{patch}}'], ['prefix=foo-,onlatest=true', 'suffix=-dev,onlatest=true'], 'foo-1.1.1-dev', ['foo-1.1.1-dev', 'foo-latest-dev']],
  ['tag23: pep440 raw and major.minor', 'tag_v1_1_1', ['type=pep440,pattern={{raw}}', 'type=pep440,pattern={{major}}.{{minor}}'], [], 'v1.1.1', ['v1.1.1', '1.1', 'latest']],
  ['tag24: pep440 two-part version', 'tag_1_2', ['type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}'], [], '1.2', ['1.2', 'latest']],
  ['tag25: pep440 beta is cleaned, no latest', 'tag_1_1beta2', ['type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'], [], '1.1b2', ['1.1b2']],
  ['tag26: pep440 dev release', 'tag_1_0dev4', ['type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'], [], '1.0.dev4', ['1.0.dev4']],
  ['tag27: pep440 release candidate', 'tag_1_2_3rc2', ['type=pep440,pattern={{raw}}', 'type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'], [], '1.2.3rc2', ['1.2.3rc2']],
  ['tag28: pep440 every form', 'tag_v1_1_1', ['type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}.{{patch}}', 'type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'], [], '1.1.1', ['1.1.1', '1.1', '1', 'latest']],
  ['tag29: pep440 post release', 'tag_1_2post1', ['type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'], [], '1.2.post1', ['1.2.post1']],
  ['tag30: pep440 on a non-version tag', 'tag_sometag', ['type=ref,event=tag', 'type=pep440,pattern={{version}}', 'type=pep440,pattern={{major}}.{{minor}}', 'type=pep440,pattern={{major}}'], ['latest=false'], 'sometag', ['sometag']],
  ['tag31: semver raw of a prerelease', 'tag_v2_0_8_beta_67', ['type=semver,pattern={{raw}}'], [], 'v2.0.8-beta.67', ['v2.0.8-beta.67']],
  ['tag32: pep440 raw of a v-prefixed rc', 'tag_v1_2_3rc2', ['type=pep440,pattern={{raw}}', 'type=pep440,pattern={{major}}.{{minor}}'], [], 'v1.2.3rc2', ['v1.2.3rc2', '1.2.3rc2']],
  // describe('latest')
  ['latest01: match of a word tag gives latest', 'tag_release1', ['type=match,"pattern=^release\\d{1,2}"'], [], 'release1', ['release1', 'latest']],
  ['latest02: match of a date tag gives latest', 'tag_20200110_RC2', ['type=match,"pattern=^\\d+-RC\\d{1,2}"'], [], '20200110-RC2', ['20200110-RC2', 'latest']],
  ['latest03: partial match gives latest', 'tag_20200110_RC2', ['type=match,pattern=\\d{8}'], [], '20200110', ['20200110', 'latest']],
  ['latest04: match of a semver', 'tag_v1_1_1', ['type=match,"pattern=\\d.\\d.\\d"'], [], '1.1.1', ['1.1.1', 'latest']],
  ['latest05: default rules on a semver tag', 'tag_v1_1_1', [], DEFAULTS, 'v1.1.1', ['v1.1.1', 'latest']],
  ['latest06: match inside a prerelease gives latest', 'tag_v2_0_8_beta_67', ['type=match,"pattern=\\d.\\d.\\d"'], [], '2.0.8', ['2.0.8', 'latest']],
  ['latest07: latest=false', 'tag_v1_1_1', ['type=ref,event=tag'], ['latest=false'], 'v1.1.1', ['v1.1.1']],
  // describe('pr')
  ['pr01: default rules on a pull request', 'pull_request', [], DEFAULTS, 'pr-15', ['pr-15']],
  ['pr03: pr and sha', 'pull_request', ['type=ref,event=pr', 'type=sha'], [], 'pr-15', ['pr-15', `sha-${SHA_PR.slice(0, 7)}`]],
  ['pr04: sha first by priority', 'pull_request', ['type=sha,priority=2000', 'type=ref,event=pr'], [], 'sha-a9c8c58', ['sha-a9c8c58', 'pr-15']],
  ['pr05: the pr- prefix wins over the flavor prefix', 'pull_request', ['type=ref,event=pr'], ['prefix=glo-', 'suffix=-bal'], 'pr-15-bal', ['pr-15-bal']],
  ['pr06: prefix= empties the pr- prefix', 'pull_request', ['type=ref,event=pr,prefix='], ['prefix=glo-', 'suffix=-bal'], '15-bal', ['15-bal']],
  ['pr07: pull_request_target reads the pull request ref', 'pull_request_target', ['type=sha,priority=2000', 'type=ref,event=pr'], [], 'sha-2665741', ['sha-2665741', 'pr-15']],
  ['pr08: pull_request_target with prefix=', 'pull_request_target', ['type=ref,event=pr,prefix='], ['prefix=glo-', 'suffix=-bal'], '15-bal', ['15-bal']],
  ['pr09: only the pr ref applies', 'pull_request_target', ['type=ref,event=tag', 'type=ref,event=pr', 'type=ref,event=branch', 'type=sha', 'type=sha,format=long'], [], 'pr-15', ['pr-15', 'sha-2665741', `sha-${SHA_MASTER}`]],
  ['pr10: base_ref of pull_request_target', 'pull_request_target', ['type=raw,value=mytag-{{base_ref}}', 'type=raw,mytag-defbranch,enable={{is_default_branch}}'], [], 'mytag-master', ['mytag-master']],
  ['pr11: base_ref of pull_request', 'pull_request', ['type=raw,value=mytag-{{base_ref}}', 'type=raw,mytag-defbranch,enable={{is_default_branch}}'], [], 'mytag-master', ['mytag-master']],
  ['pr12: an unquoted date format is the ISO default', 'pull_request', ['type=raw,value={{commit_date YYYY-MM-DD-HHmmSS}}'], [], '2020-01-10T00-30-00Z', ['2020-01-10T00-30-00Z']],
  ['pr-head-sha pr12: unquoted format with a prefix', 'pull_request', ['type=raw,value=src-{{commit_date YYYY-MM-DD}}'], [], 'src-2020-01-10T00-30-00Z', ['src-2020-01-10T00-30-00Z']],
  // describe('schedule')
  ['schedule01: default rules on a schedule', 'schedule', [], DEFAULTS, 'nightly', ['nightly', 'master']],
  ['schedule02: date and commit_date patterns', 'schedule', ["type=schedule,pattern={{date 'YYYYMMDD'}}", "type=schedule,pattern=source-date-{{commit_date 'YYYY-MM-DD'}}"], [], '20200110', ['20200110', 'source-date-2020-01-10']],
  ['schedule03: date with time', 'schedule', ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss'}}"], [], '20200110-003000', ['20200110-003000']],
  ['schedule05: nightly and sha', 'schedule', ['type=schedule', 'type=sha'], [], 'nightly', ['nightly', 'sha-860c190']],
  ['schedule06: sha first, is_default_branch true on schedule', 'schedule', ['type=schedule', 'type=sha,priority=2000', 'type=raw,value=defbranch,enable={{is_default_branch}}'], [], 'sha-860c190', ['sha-860c190', 'nightly', 'defbranch']],
  ['schedule07: flavor prefix and suffix', 'schedule', ['type=schedule'], ['prefix=glo-', 'suffix=-bal'], 'glo-nightly-bal', ['glo-nightly-bal']],
  ['schedule08: time zones', 'schedule', ["type=schedule,pattern={{date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}", "type=schedule,pattern=src-{{commit_date 'YYYYMMDD-HHmmss' tz='Asia/Tokyo'}}"], [], '20200110-093000', ['20200110-093000', 'src-20200110-093000']],
  // describe('release')
  ['release01: default rules on a release', 'release_created', [], DEFAULTS, 'v1.1.1', ['v1.1.1', 'latest']],
  ['release02: no base_ref on a release', 'release_created', ['type=ref,event=tag', 'type=raw,value=baseref-{{base_ref}}', 'type=raw,value=defbranch,enable={{is_default_branch}}'], [], 'v1.1.1', ['v1.1.1', 'baseref-', 'latest']],
  ['release03: commit_date and date', 'release_created', ["type=raw,value=src-{{commit_date 'YYYYMMDD-HHmmss'}}", "type=raw,value={{date 'YYYYMMDD-HHmmss'}}"], [], 'src-20200110-003000', ['src-20200110-003000', '20200110-003000']],
  // describe('raw')
  ['raw01: branch then raw values', 'push_dev', ['type=ref,event=branch', 'type=raw,my', 'type=raw,custom', 'type=raw,tags'], [], 'dev', ['dev', 'my', 'custom', 'tags']],
  ['raw02: branch then one raw', 'push_dev', ['type=ref,event=branch', 'type=raw,my'], [], 'dev', ['dev', 'my']],
  ['raw03: tag, raw values, latest last', 'tag_release1', ['type=ref,event=tag', 'type=raw,my', 'type=raw,custom', 'type=raw,tags'], [], 'release1', ['release1', 'my', 'custom', 'tags', 'latest']],
  ['raw04: match then raw, latest=false', 'tag_20200110_RC2', ['type=match,pattern=\\d{8}', 'type=raw,my', 'type=raw,custom', 'type=raw,tags'], ['latest=false'], '20200110', ['20200110', 'my', 'custom', 'tags']],
  ['raw05: semver then raw', 'tag_v1_1_1', ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}}', 'type=raw,my', 'type=raw,custom', 'type=raw,tags'], [], '1.1.1', ['1.1.1', '1.1', '1', 'my', 'custom', 'tags', 'latest']],
  ['raw06: raw alone on a tag gives no latest', 'tag_v1_1_1', ['type=raw,my', 'type=raw,custom', 'type=raw,tags'], [], 'my', ['my', 'custom', 'tags']],
  ['raw07: priority 90 sorts the branch after raw; latest=true', 'push_dev', ['type=ref,priority=90,event=branch', 'type=raw,my', 'type=raw,custom', 'type=raw,tags'], ['latest=true'], 'my', ['my', 'custom', 'tags', 'dev', 'latest']],
  ['raw08: match on a branch gives nothing', 'push_dev', ['type=match,pattern=\\d{8}', 'type=raw,my', 'type=raw,custom', 'type=raw,tags'], ['latest=false'], 'my', ['my', 'custom', 'tags']],
  ['raw09: rule prefix/suffix win over the flavor', 'push_dev', ['type=match,pattern=\\d{8}', 'type=raw,my,prefix=foo-,suffix=-bar', 'type=raw,custom', 'type=raw,tags'], ['latest=false', 'prefix=glo-', 'suffix=-bal'], 'foo-my-bar', ['foo-my-bar', 'glo-custom-bal', 'glo-tags-bal']],
  ['raw10: enable=false and enable=true', 'push_dev', ['type=raw,foo', 'type=raw,bar,enable=false', 'type=raw,baz,enable=true'], ['latest=false'], 'foo', ['foo', 'baz']]
]

const SEMVER_README = [
  'type=ref,event=branch',
  'type=ref,event=pr',
  'type=semver,pattern={{version}}',
  'type=semver,pattern={{major}}.{{minor}}'
]
// prettier-ignore
const README_EXAMPLES: Row[] = [
  // "Semver" usage table
  ['README semver: pull request', 'pull_request', SEMVER_README, [], 'pr-15', ['pr-15']],
  ['README semver: push to master', 'push_master', SEMVER_README, [], 'master', ['master']],
  ['README semver: push to releases/v1', 'push_master', SEMVER_README, [], 'releases-v1', ['releases-v1']],
  ['README semver: tag v1.2.3', 'tag_v1_1_1', SEMVER_README, [], '1.2.3', ['1.2.3', '1.2', 'latest']],
  ['README semver: tag v2.0.8-beta.67', 'tag_v2_0_8_beta_67', SEMVER_README, [], '2.0.8-beta.67', ['2.0.8-beta.67']],
  // "Bake definition" output for refs/tags/v1.2.3 (sha 90dd603...)
  ['README bake: semver, sha and latest last', 'tag_v1_1_1', [...SEMVER_README, 'type=sha'], [], '1.2.3', ['1.2.3', '1.2', 'sha-90dd603', 'latest']],
  // type=semver pattern table
  ['README semver pattern v{{major}}', 'tag_v1_1_1', ['type=semver,pattern=v{{major}}'], [], 'v1', ['v1', 'latest']],
  ['README semver pattern {{minor}} and {{patch}}', 'tag_v1_1_1', ['type=semver,pattern={{minor}}', 'type=semver,pattern={{patch}}'], [], '2', ['2', '3', 'latest']],
  // type=pep440 pattern table
  ['README pep440: 1.2.3post1 major.minor', 'tag_1_2post1', ['type=pep440,pattern={{major}}.{{minor}}'], [], '1.2.3.post1', ['1.2.3.post1']],
  ['README pep440: 1.2.3beta2 major.minor', 'tag_1_1beta2', ['type=pep440,pattern={{major}}.{{minor}}'], [], '1.2.3b2', ['1.2.3b2']],
  // type=ref table: a branch with a slash
  ['README ref: refs/heads/my/branch', 'push_master', ['type=ref,event=branch'], [], 'my-branch', ['my-branch']],
  // "Major version zero"
  ['README major version zero', 'tag_v1_1_1', ['type=semver,pattern={{version}}', 'type=semver,pattern={{major}}.{{minor}}', 'type=semver,pattern={{major}},enable=false'], [], '0.1.2', ['0.1.2', '0.1', 'latest']],
  // "Latest tag": latest on the default branch only
  ['README latest: raw latest with is_default_branch', 'push_master', ['type=raw,value=latest,enable={{is_default_branch}}'], [], 'latest', ['latest']],
  ['README latest: not on another branch', 'push_dev', ['type=raw,value=latest,enable={{is_default_branch}}', 'type=ref,event=branch'], [], 'dev', ['dev']]
]

/** The README rows name refs of their own; the rest of the context is the fixture's. */
const README_REFS: Record<string, Partial<GitHubContext>> = {
  'README semver: pull request': {},
  'README semver: push to releases/v1': { ref: 'refs/heads/releases/v1' },
  'README semver: tag v1.2.3': { ref: 'refs/tags/v1.2.3' },
  'README bake: semver, sha and latest last': { ref: 'refs/tags/v1.2.3', sha: '90dd6032fac8bda1b6c4436a2e65de27961ed071' },
  'README semver pattern v{{major}}': { ref: 'refs/tags/v1.2.3' },
  'README semver pattern {{minor}} and {{patch}}': { ref: 'refs/tags/v1.2.3' },
  'README pep440: 1.2.3post1 major.minor': { ref: 'refs/tags/1.2.3post1' },
  'README pep440: 1.2.3beta2 major.minor': { ref: 'refs/tags/1.2.3beta2' },
  'README ref: refs/heads/my/branch': { ref: 'refs/heads/my/branch' },
  'README major version zero': { ref: 'refs/tags/v0.1.2' }
}

describe("type= rules give docker/metadata-action's tags", () => {
  it.each(META_TESTS)('%s', (_name, event, tags, flavor, version, expected) => {
    expect(planned(tags, flavor, EVENTS[event])).toEqual({ version, tags: expected })
  })

  it.each(README_EXAMPLES)('%s', (name, event, tags, flavor, version, expected) => {
    expect(planned(tags, flavor, { ...EVENTS[event], ...README_REFS[name] })).toEqual({ version, tags: expected })
  })
})

describe('reading type= rules and flavor (metadata-action tag.test.ts / flavor.test.ts)', () => {
  it.each([
    ['type=semver', /type=semver needs pattern=/],
    ['type=match', /type=match needs pattern=/],
    ['type=match,enable=true,pattern=v(.*),group=foo', /group=foo is not a number/],
    ['type=ref,event=foo', /event=foo is not branch, tag or pr/],
    ['type=ref', /type=ref needs event=/],
    ['type=raw', /type=raw needs value=/],
    ['type=foo', /type=foo is not a rule type/],
    ['type=sha,format=foo', /format=foo is not short or long/]
  ])('refuses %s', (line, message) => {
    expect(() => settingsOf({ tags: line })).toThrow(message)
  })

  it.each([
    [['randomstr', 'latest=auto'], /write key=value/],
    [['unknwown=foo'], /unknwown= is not a flavor/],
    [['latest'], /write key=value/],
    [['latest=foo'], /latest=foo is not auto, true or false/]
  ])('refuses the flavor %j', (lines, message) => {
    expect(() => settingsOf({ tags: 'type=sha', flavor: lines.join('\n') })).toThrow(message)
  })

  it('reads flavor entries as metadata-action does (prefix= with a space is empty)', () => {
    expect(settingsOf({ flavor: 'latest=false\nprefix=dev-,onlatest=true\nsuffix=-alpine' }).tagRules?.flavor).toEqual({
      latest: 'false',
      prefix: 'dev-',
      prefixLatest: true,
      suffix: '-alpine',
      suffixLatest: false
    })
    expect(settingsOf({ flavor: 'prefix= ' }).tagRules?.flavor.prefix).toBe('')
  })

  it('sorts rules by priority, highest first, with the default priority of each type (transform)', () => {
    const rules = settingsOf({
      tags: [
        'type=ref,event=branch',
        'type=ref,event=tag',
        'type=ref,event=pr',
        'type=schedule',
        'type=sha',
        'type=raw,foo',
        'type=edge',
        'type=semver,pattern={{version}}',
        'type=match,"pattern=\\d.\\d.\\d",group=0'
      ].join('\n')
    }).tagRules?.rules
    expect(rules?.map(r => [r.type, r.attrs.priority])).toEqual([
      ['schedule', '1000'],
      ['semver', '900'],
      ['match', '800'],
      ['edge', '700'],
      ['ref', '600'],
      ['ref', '600'],
      ['ref', '600'],
      ['raw', '200'],
      ['sha', '100']
    ])
    expect(rules?.[6]?.attrs).toEqual({ event: 'pr', prefix: 'pr-', enable: 'true', priority: '600' })
    expect(rules?.[8]?.attrs).toEqual({ prefix: 'sha-', format: 'short', enable: 'true', priority: '100' })
  })

  it('keeps bare tags and comma lists beside the rules, after the rule tags', () => {
    expect(planned(['type=ref,event=branch', 'stable, edge'], [], EVENTS.push_dev)).toEqual({
      version: 'dev',
      tags: ['dev', 'stable', 'edge']
    })
  })

  it('lets full references mean exactly these, rules unused, and says so', () => {
    const s = settingsOf({ username: 'bob', password: 'pw', image: 'user/app', tags: 'type=ref,event=branch\nuser/app:pinned' })
    const plan = makePlan(s, EVENTS.push_dev, FACTS)
    expect(plan.references).toEqual(['user/app:pinned'])
    expect(plan.notices.join('\n')).toMatch(/type= rules are not used/)
  })

  it('builds without pushing when the rules give no tag', () => {
    const s = settingsOf({ username: 'bob', password: 'pw', image: 'user/app', tags: 'type=semver,pattern={{version}}' })
    const plan = makePlan(s, EVENTS.push_dev, FACTS)
    expect(plan).toMatchObject({ references: [], push: false })
  })

  it('refuses an enable= that gives neither true nor false', () => {
    expect(() => planned(['type=raw,foo,enable={{branch}}'], [], EVENTS.push_dev)).toThrow(
      /enable= gives "dev"; it must give true or false/
    )
  })

  it('refuses an unknown time zone and an unknown helper, naming the rule', () => {
    expect(() => planned(["type=raw,value={{date 'YYYY' tz='Mars/Olympus'}}"], [], EVENTS.push_dev)).toThrow(
      /Mars\/Olympus' is not a time zone/
    )
    expect(() => planned(["type=raw,value={{nodate 'YYYY'}}"], [], EVENTS.push_dev)).toThrow(/Missing helper: "nodate"/)
  })

  it('escapes expression output as Handlebars does before sanitising (= becomes -x3D-)', () => {
    expect(planned(['type=raw,value={{branch}}'], [], { ...EVENTS.push_dev, ref: 'refs/heads/a=b' }).tags).toEqual(['a-x3D-b'])
  })
})
