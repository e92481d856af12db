import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildxBuildArgs, dockerBuildArgs, podmanBuildArgs } from '../../src/engine/argv.js'
import { checkBuildInputs, checkSecretSources } from '../../src/engine/capabilities.js'
import { dockerList } from '../../src/plan/inputs/build-inputs.js'
import type { Plan } from '../../src/plan/plan.js'
import type { Builder } from '../../src/shared/builder.js'
import { InputError } from '../../src/shared/errors.js'
import { bobPlan as planOf, ctxOf, settingsOf } from './fixtures.js'

const files = { iidFile: '/t/iid', metadataFile: '/t/meta.json', secretFiles: { token: '/t/secrets/token', tok: '/t/secrets/tok' } }
const RUN = { runId: '7', runAttempt: '2' }
const BUILDER_ID = 'https://github.com/Octo-Org/Hello-App/actions/runs/7/attempts/2'
/** build-push's default provenance on a public repository, on a builder that keeps attestations. */
const DEFAULT_PROVENANCE = `type=provenance,mode=max,builder-id=${BUILDER_ID}`
const NOT_PUSHED = { push: 'false' }

const BUILDERS: Record<'buildx' | 'docker' | 'podman', Builder> = {
  buildx: { engine: 'buildx', driver: 'docker-container', cacheExport: true },
  docker: { engine: 'docker', cacheExport: false },
  podman: { engine: 'podman', cacheExport: false }
}
const BOOLEAN_FLAGS = ['--load', '--push', '--no-cache', '--pull', '--pull=always']

/** The values of `flag` in argv ('' for each use of a flag without value). */
function flagValues(argv: string[], flag: string): string[] {
  if (BOOLEAN_FLAGS.includes(flag)) return argv.filter(a => a === flag).map(() => '')
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] as string] : []))
}

function argvOf(engine: keyof typeof BUILDERS, plan: Plan): string[] {
  checkBuildInputs(plan, BUILDERS[engine])
  if (engine === 'buildx') return buildxBuildArgs(plan, files, undefined, BUILDERS.buildx)
  return engine === 'docker' ? dockerBuildArgs(plan, files) : podmanBuildArgs(plan, files)
}

/** A flag and the values it gets, or the refusal (before login) the engine gives. */
type Cell = [string, string[]] | RegExp
const USE_BUILDX = 'use engine: buildx \\(or auto\\) with docker/setup-buildx-action before this step'
const classicRefuses = (input: string, value: string, why: string, podman = false) =>
  new RegExp(
    `^Input "${input}" is "${value}", which the classic docker build \\(docker build \\+ docker push\\) ${why}: ${USE_BUILDX}${podman ? ', or engine: podman' : ''}\\.$`
  )
const podmanRefuses = (input: string, value: string, why: string) =>
  new RegExp(`^Input "${input}" is "${value}", which podman ${why}: ${USE_BUILDX}\\.$`)

// Every build-push input on each engine: the flag it becomes, or the one-line refusal.
const ROWS: [string, Record<string, string>, Cell, Cell, Cell][] = [
  ['load', { load: 'true' }, ['--load', ['']], ['--load', []], ['--load', []]],
  ['no-cache', { 'no-cache': 'true' }, ['--no-cache', ['']], ['--no-cache', ['']], ['--no-cache', ['']]],
  [
    'no-cache-filters',
    { 'no-cache-filters': 'deps,test' },
    ['--no-cache-filter', ['deps', 'test']],
    classicRefuses('no-cache-filters', 'deps,test', 'is a buildx feature'),
    podmanRefuses('no-cache-filters', 'deps,test', 'is a BuildKit feature podman does not have')
  ],
  ['pull', { pull: 'true' }, ['--pull', ['']], ['--pull', ['']], ['--pull=always', ['']]],
  [
    'ssh',
    { ssh: 'default,key=/k/id_ed25519' },
    ['--ssh', ['default', 'key=/k/id_ed25519']],
    ['--ssh', ['default', 'key=/k/id_ed25519']],
    ['--ssh', ['default', 'key=/k/id_ed25519']]
  ],
  [
    'build-contexts',
    { 'build-contexts': 'other=./dir\nbase=docker-image://e2e/busybox:latest' },
    ['--build-context', ['other=./dir', 'base=docker-image://e2e/busybox:latest']],
    classicRefuses('build-contexts', 'other=./dir,base=docker-image://e2e/busybox:latest', 'has no named build contexts', true),
    ['--build-context', ['other=./dir', 'base=docker-image://e2e/busybox:latest']]
  ],
  [
    'outputs (not pushed)',
    { outputs: 'type=local,dest=out', ...NOT_PUSHED },
    ['--output', ['type=local,dest=out']],
    ['--output', ['type=local,dest=out']],
    ['--output', ['type=local,dest=out']]
  ],
  [
    'outputs (pushed)',
    { outputs: 'type=tar,dest=out.tar' },
    ['--output', ['type=tar,dest=out.tar']],
    classicRefuses(
      'outputs',
      'type=tar,dest=out.tar',
      'exports the result instead of storing the image, so it cannot push it \\(set push: false\\)',
      true
    ),
    ['--output', ['type=tar,dest=out.tar']]
  ],
  [
    'outputs (an image exporter)',
    { outputs: 'type=image,name=x/y,push=true', ...NOT_PUSHED },
    ['--output', ['type=image,name=x/y,push=true']],
    classicRefuses('outputs', 'type=image,name=x/y,push=true', 'exports only type=local and type=tar'),
    podmanRefuses('outputs', 'type=image,name=x/y,push=true', 'exports only type=local and type=tar')
  ],
  ['provenance: false', { provenance: 'false' }, ['--attest', ['type=provenance,disabled=true']], ['--attest', []], ['--attest', []]],
  [
    'provenance: mode=max',
    { provenance: 'mode=max' },
    ['--attest', [`type=provenance,mode=max,builder-id=${BUILDER_ID}`]],
    classicRefuses('provenance', 'mode=max', 'makes no attestations'),
    podmanRefuses('provenance', 'mode=max', 'makes no attestations')
  ],
  ['sbom: false', { sbom: 'false' }, ['--attest', ['type=sbom,disabled=true', DEFAULT_PROVENANCE]], ['--attest', []], ['--attest', []]],
  [
    'sbom: true',
    { sbom: 'true' },
    ['--attest', ['type=sbom,disabled=false', DEFAULT_PROVENANCE]],
    classicRefuses('sbom', 'true', 'makes no attestations'),
    podmanRefuses('sbom', 'true', 'makes no attestations')
  ],
  [
    'attests',
    { attests: 'type=sbom,generator=image' },
    ['--attest', ['type=sbom,generator=image', DEFAULT_PROVENANCE]],
    classicRefuses('attests', 'type=sbom,generator=image', 'makes no attestations'),
    podmanRefuses('attests', 'type=sbom,generator=image', 'makes no attestations')
  ],
  [
    'annotations (every level)',
    { annotations: 'index:org.opencontainers.image.description=an app\nmanifest:a=b\nc=d' },
    ['--annotation', ['index:org.opencontainers.image.description=an app', 'manifest:a=b', 'c=d']],
    classicRefuses('annotations', 'index:org.opencontainers.image.description=an app,manifest:a=b,c=d', 'sets no annotations'),
    podmanRefuses(
      'annotations',
      'index:org.opencontainers.image.description=an app',
      'sets annotations on the image manifest only \\(no index or descriptor level\\)'
    )
  ],
  [
    'annotations (manifest level)',
    { annotations: 'manifest:a=b\nc=d' },
    ['--annotation', ['manifest:a=b', 'c=d']],
    classicRefuses('annotations', 'manifest:a=b,c=d', 'sets no annotations', true),
    ['--annotation', ['a=b', 'c=d']]
  ],
  ['network', { network: 'none' }, ['--network', ['none']], ['--network', ['none']], ['--network', ['none']]],
  ['network: default', { network: 'default' }, ['--network', ['default']], ['--network', ['default']], ['--network', []]],
  [
    'add-hosts',
    { 'add-hosts': 'myhost:10.0.0.1,other:10.0.0.2' },
    ['--add-host', ['myhost:10.0.0.1', 'other:10.0.0.2']],
    ['--add-host', ['myhost:10.0.0.1', 'other:10.0.0.2']],
    ['--add-host', ['myhost:10.0.0.1', 'other:10.0.0.2']]
  ],
  [
    'shm-size',
    { 'shm-size': '2g' },
    ['--shm-size', ['2g']],
    classicRefuses('shm-size', '2g', 'ignores it with BuildKit', true),
    ['--shm-size', ['2g']]
  ],
  [
    'ulimit',
    { ulimit: 'nofile=1024:1024\nnproc=512' },
    ['--ulimit', ['nofile=1024:1024', 'nproc=512']],
    classicRefuses('ulimit', 'nofile=1024:1024,nproc=512', 'ignores it with BuildKit', true),
    ['--ulimit', ['nofile=1024:1024', 'nproc=512']]
  ],
  [
    'secret-envs',
    { 'secret-envs': 'tok=MY_TOKEN' },
    ['--secret', ['id=tok,env=MY_TOKEN']],
    ['--secret', ['id=tok,src=/t/secrets/tok']],
    ['--secret', ['id=tok,src=/t/secrets/tok']]
  ],
  [
    'secret-files',
    { 'secret-files': 'cfg=./conf/app, v2.cfg' },
    ['--secret', ['id=cfg,src=./conf/app, v2.cfg']],
    ['--secret', ['id=cfg,src=./conf/app, v2.cfg']],
    ['--secret', ['id=cfg,src=./conf/app, v2.cfg']]
  ],
  [
    'call',
    { call: 'check' },
    ['--call', ['check']],
    classicRefuses('call', 'check', 'is a buildx feature'),
    podmanRefuses('call', 'check', 'is a BuildKit feature podman does not have')
  ],
  [
    'allow',
    { allow: 'network.host,security.insecure' },
    ['--allow', ['network.host', 'security.insecure']],
    classicRefuses('allow', 'network.host,security.insecure', 'has no --allow \\(entitlements are buildx flags\\)'),
    podmanRefuses('allow', 'network.host,security.insecure', 'has no entitlements')
  ],
  [
    'cgroup-parent',
    { 'cgroup-parent': 'ci.slice' },
    ['--cgroup-parent', ['ci.slice']],
    classicRefuses('cgroup-parent', 'ci.slice', 'ignores it with BuildKit', true),
    ['--cgroup-parent', ['ci.slice']]
  ]
]

describe.each(['buildx', 'docker', 'podman'] as const)('build-push inputs on %s', engine => {
  const column = { buildx: 2, docker: 3, podman: 4 }[engine]
  it.each(ROWS.map(row => [row[0], row[1], row[column] as Cell] as const))('%s', (_name, inputs, cell) => {
    const plan = planOf(inputs, ctxOf(RUN))
    if (cell instanceof RegExp) {
      let error: unknown
      try {
        argvOf(engine, plan)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(InputError)
      expect((error as Error).message).toMatch(cell)
      return
    }
    const [flag, values] = cell
    expect(flagValues(argvOf(engine, plan), flag)).toEqual(values)
  })
})

describe('build-push defaults on buildx', () => {
  const attests = (inputs: Record<string, string>, ctx = ctxOf(RUN), canAttest = true) =>
    flagValues(buildxBuildArgs(planOf(inputs, ctx), files, undefined, { ...BUILDERS.buildx, cacheExport: canAttest }), '--attest')

  it.each<[string, Record<string, string>, ReturnType<typeof ctxOf>, boolean, string[]]>([
    ['mode=max provenance for a public repository', {}, ctxOf(RUN), true, [DEFAULT_PROVENANCE]],
    [
      'mode=min, inline only, for a private repository',
      {},
      ctxOf({ ...RUN, privateRepo: true }),
      true,
      [`type=provenance,mode=min,inline-only=true,builder-id=${BUILDER_ID}`]
    ],
    ['no builder-id outside a workflow run', {}, ctxOf(), true, ['type=provenance,mode=max']],
    [
      'none when the image is loaded (a pull request build)',
      {},
      ctxOf({ ...RUN, eventName: 'pull_request', pullRequest: { number: 1, fromFork: false } }),
      true,
      []
    ],
    ['none when load is asked', { load: 'true' }, ctxOf(RUN), true, []],
    ['none on the docker driver of the classic store (it keeps no attestation)', {}, ctxOf(RUN), false, []],
    ['provenance: true as build-push resolves it', { provenance: 'true' }, ctxOf(RUN), true, [`type=provenance,builder-id=${BUILDER_ID}`]],
    [
      'provenance winning over a provenance entry of attests',
      { provenance: 'mode=min', attests: 'type=provenance,mode=max\ntype=sbom' },
      ctxOf(RUN),
      true,
      [`type=provenance,mode=min,builder-id=${BUILDER_ID}`, 'type=sbom']
    ],
    [
      'a provenance entry of attests replacing the default',
      { attests: 'type=provenance,mode=min' },
      ctxOf(RUN),
      true,
      [`type=provenance,mode=min,builder-id=${BUILDER_ID}`]
    ]
  ])('gives %s', (_name, inputs, ctx, canAttest, expected) => {
    expect(attests(inputs, ctx, canAttest)).toEqual(expected)
  })

  it('writes no image id when outputs exports files, as build-push', () => {
    const argv = buildxBuildArgs(planOf({ outputs: 'type=local,dest=out', ...NOT_PUSHED }), files)
    expect(argv).not.toContain('--iidfile')
    expect(argv).not.toContain('--load')
  })

  it('loads and pushes when load is asked on a pushing run', () => {
    const argv = buildxBuildArgs(planOf({ load: 'true' }), files, undefined, BUILDERS.buildx)
    expect(argv).toContain('--push')
    expect(argv).toContain('--load')
  })

  it('only pushes with the docker driver, which keeps the pushed image in the engine anyway', () => {
    const argv = buildxBuildArgs(planOf({ load: 'true' }), files, undefined, { engine: 'buildx', driver: 'docker', cacheExport: true })
    expect(argv).toContain('--push')
    expect(argv).not.toContain('--load')
  })

  it('refuses an attestation on the docker driver of the classic store before login, and lets provenance: false through', () => {
    const classicStore: Builder = { engine: 'buildx', driver: 'docker', cacheExport: false }
    expect(() => checkBuildInputs(planOf({ provenance: 'false', sbom: 'false' }), classicStore)).not.toThrow()
    expect(() => checkBuildInputs(planOf({ sbom: 'true' }), classicStore)).toThrow(
      /^Input "sbom" is "true", which the buildx "docker" driver on the classic image store cannot attach to the image: add docker\/setup-buildx-action/
    )
  })

  it('never puts a secret-envs value in argv', () => {
    process.env.DOCKER_SHIP_TEST_SECRET = 'hunter2'
    const plan = planOf({ 'secret-envs': 'tok=DOCKER_SHIP_TEST_SECRET' })
    for (const engine of ['buildx', 'docker', 'podman'] as const) expect(argvOf(engine, plan).join(' ')).not.toContain('hunter2')
  })
})

describe('dockerList (the toolkit getList)', () => {
  it.each<[string, string, { ignoreComma?: boolean; quote?: boolean }, string[]]>([
    ['splits commas and lines', 'a,b\nc', {}, ['a', 'b', 'c']],
    [
      'keeps a line whole with ignoreComma',
      'type=local,dest=out\ntype=tar,dest=x.tar',
      { ignoreComma: true },
      ['type=local,dest=out', 'type=tar,dest=x.tar']
    ],
    ['reads a quoted value over several lines', '"id=line1\nline2",x', { ignoreComma: true }, ['id=line1\nline2,x']],
    ['takes quotes literally with quote: false', 'type=local,dest="a b"', { ignoreComma: true, quote: false }, ['type=local,dest="a b"']],
    ['skips blank lines and trims', '  a  \n\n  b\n', {}, ['a', 'b']]
  ])('%s', (_name, raw, opts, expected) => {
    expect(dockerList('x', raw, opts)).toEqual(expected)
  })
})

describe('build-push inputs refused as written, before anything runs', () => {
  it.each<[string, Record<string, string>, RegExp]>([
    ['load: yes', { load: 'yes' }, /^Input "load" is "yes": use true or false\.$/],
    [
      'a secret-envs entry without a variable',
      { 'secret-envs': 'tok' },
      /^Input "secret-envs" has "tok": write id=ENV_NAME, one per line\.$/
    ],
    ['a secret id given twice', { secrets: 'a=1', 'secret-files': 'a=./f' }, /gives the secret id "a" again/],
    ['an add-hosts entry without an address', { 'add-hosts': 'myhost' }, /^Input "add-hosts" has "myhost": write host:ip/],
    ['a shm-size that is no size', { 'shm-size': 'big' }, /^Input "shm-size" is "big": write a size such as 2g/],
    ['an annotation without a value', { annotations: 'index:foo' }, /^Input "annotations" has "index:foo": write key=value/],
    [
      'a provenance that is no attribute list',
      { provenance: 'maximum' },
      /^Input "provenance" is "maximum": write true, false or attributes/
    ]
  ])('%s', (_name, inputs, message) => {
    expect(() => settingsOf(inputs)).toThrow(message)
  })

  it('says a secret-files file or a secret-envs variable is missing, without a value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secret-'))
    writeFileSync(join(dir, 'here'), 'x')
    expect(() => checkSecretSources(planOf({ 'secret-files': `a=${join(dir, 'here')}` }), {})).not.toThrow()
    expect(() => checkSecretSources(planOf({ 'secret-files': `a=${join(dir, 'gone')}` }), {})).toThrow(
      /^Input "secret-files" gives "a" the file ".*gone", which does not exist/
    )
    expect(() => checkSecretSources(planOf({ 'secret-envs': 'a=NOPE_NOT_SET' }), {})).toThrow(
      /^Input "secret-envs" gives "a" the variable NOPE_NOT_SET, which is not set/
    )
  })
})
