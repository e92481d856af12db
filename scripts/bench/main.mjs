// Benchmarks of the Docker Ship action on this machine, against the raw docker CLI doing the same
// work. Needs the engine and registry of scripts/e2e-env.sh (run it first) and a built dist/.
//
//   node scripts/bench/main.mjs                      every section, full counts (~5-8 min on 2 cores)
//   node scripts/bench/main.mjs --quick              fewer runs: a smoke check of the bench itself
//   node scripts/bench/main.mjs --only startup,large some sections: overhead, rebuild, startup, large, distribute, testinput, promote
//   node scripts/bench/main.mjs --out FILE           where the JSON goes (default bench/results.json for a
//                                                    full run, bench/results-partial.json otherwise)
//
// Sections (each figure is printed with its target; exit code 0 even when a target is missed,
// 2 when the bench itself failed):
//   overhead  the whole action (main + post, run as the runner runs it) vs `docker login
//             --password-stdin` + the action's exact `buildx build --push` argv + `docker logout`,
//             on a fully cached build: interleaved pairs, medians, ratio (target <= 1.5).
//   rebuild   cold build + push, wipe the engine (bench images, base image, the whole build cache,
//             as a fresh runner has none), rebuild the unchanged context with default inputs:
//             warm/cold time (target <= 0.2) and layer blobs uploaded by the warm run, from the
//             registry log (target 0). Each cycle also does the same with the raw CLI and the
//             action's argv on a twin repository: the ratio the engine alone reaches with this
//             Dockerfile. Medians of 3 cycles, the action and the raw CLI in turn. When
//             scripts/e2e-env.sh ran with --classic-engine, the same again on a dockerd with the
//             classic image store (GitHub-hosted runners' Docker): inline cache there.
//   startup   dist/ size (target <= 1 MB) and the time from spawning node to the first request
//             to the engine (target <= 100 ms): a docker command, seen by a `docker` shim first on
//             PATH, or an API request of the action itself (its GET /info probe), seen by a proxy
//             socket given as DOCKER_HOST; the first docker command apart, and a breakdown.
//   large     >= 200 MB of layers, cache busted per run, interleaved pairs: the median of the pairs'
//             (action - raw CLI) over the raw CLI's median (target < 2 %), and the difference of the
//             medians beside it; both sides run docker through the same shim, which times the
//             build itself, so the action's own time (everything but its build) is also given
//             apart from build noise. The disks are synced between runs.
//   distribute  one Dockerfile with RUN steps for linux/amd64 + linux/arm64, cache busted per round:
//             one step on one engine (QEMU for arm64) vs the two platform jobs (distribute: true)
//             one after the other + the merge job: their sum, and the slowest job + merge.
//   testinput the push path of a tested build (test-input.mjs): `docker push` of the loaded image's
//             3 tags vs a second, cached `buildx build --push`, interleaved, medians (no target).
//   promote   a git-tag release of a commit the default branch already built, >= 200 MB of layers:
//             the promoted release's time (no build; target <= 2 s) against the same release
//             rebuilt with promote: never and no-cache: true; checks no build ran, the layers are
//             the sha-<7> image's and the version label is the release's. Cycles of: push to main
//             at a fresh commit, tag it, tag it again with promote: never.
//
// Progress goes to stderr, the table to stdout. The action's argv is taken from the `docker` shim
// (NUL-separated argv, exact whatever the label values hold) and checked against the
// `[command]...` line that the action logs. Timings on a shared machine are noisy: the JSON keeps
// every run and the load average; compare medians of runs taken together, not across runs.

// The entry of the bench: it reads the command line, sets up the run (the engine, the bench's own
// docker login, the run's temp folder, the deadline), runs each section (overhead.mjs,
// rebuild.mjs, startup.mjs, large.mjs) and writes the table and the JSON (report.mjs). The other
// files of this folder are the harness the sections share.
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { clearTimeout } from 'node:timers'
import { fileURLToPath } from 'node:url'
import { actionInputs } from './action.mjs'
import { countsFor, parseArgs } from './args.mjs'
import { ENTRY, REPO, RUN_ID, SECTIONS, T0, fail, progress, round } from './common.mjs'
import { adminDocker, ensureBase, readEnvFile, realDocker } from './engine.mjs'
import { distribute, distributeFigures } from './distribute.mjs'
import { large, largeFigures } from './large.mjs'
import { loadavg, machineFacts } from './machine.mjs'
import { overhead, overheadFigures } from './overhead.mjs'
import { promote, promoteFigures } from './promote.mjs'
import { BASE_ENV, killChildren, makeTmpRoot, must, removeTmpRoot, run, stopOnSignalOrDeadline } from './proc.mjs'
import { REDONE } from './raw.mjs'
import { rebuild, rebuildFigures } from './rebuild.mjs'
import { table, writeJson } from './report.mjs'
import { startup, startupFigures } from './startup.mjs'
import { testinput, testinputFigures } from './test-input.mjs'

const OPTS = parseArgs(process.argv.slice(2), fileURLToPath(import.meta.url))
const COUNTS = countsFor(OPTS.quick)

/** Every section's rows of the table, in the order of SECTIONS (rebuild on each engine). */
function figures(results) {
  const f = []
  const add = (section, name, value, target, pass) => f.push({ section, name, value, target, pass })
  for (const sectionFigures of [
    overheadFigures,
    rebuildFigures,
    startupFigures,
    largeFigures,
    distributeFigures,
    testinputFigures,
    promoteFigures
  ])
    sectionFigures(results, add)
  return f
}

async function cleanupAll(ctx) {
  killChildren()
  if (ctx?.adminConfig && fs.existsSync(ctx.adminConfig)) {
    await run(ctx.docker, ['logout', ctx.reg.host], {
      env: { ...BASE_ENV(), HOME: ctx.adminDir, DOCKER_CONFIG: ctx.adminConfig },
      timeoutMs: 15_000
    })
  }
  removeTmpRoot()
}

async function main() {
  if (!fs.existsSync(ENTRY)) fail(`${path.relative(REPO, ENTRY)} is missing: run \`npm run build\` first`)
  const reg = readEnvFile()
  const adminDir = fs.mkdtempSync(path.join(makeTmpRoot(), 'admin-'))
  const ctx = {
    reg,
    docker: realDocker(),
    adminDir,
    adminConfig: path.join(adminDir, 'config'),
    base: `${reg.host}/bench/base:busybox`,
    sha: createHash('sha1').update(RUN_ID).digest('hex'),
    fakeToken: `ghs_${randomBytes(18).toString('hex')}`,
    inputDefaults: await actionInputs(),
    counts: COUNTS
  }
  fs.mkdirSync(ctx.adminConfig, { mode: 0o700 })

  const deadline = stopOnSignalOrDeadline(() => cleanupAll(ctx))

  const results = { sections: OPTS.only, quick: OPTS.quick, counts: COUNTS, runId: RUN_ID }
  let exitCode = 0
  try {
    const ping = await adminDocker(ctx, ['version', '--format', '{{.Server.Version}}'], { timeoutMs: 30_000 })
    must(ping, 'docker version (is the engine up? bash scripts/e2e-env.sh)')
    must(
      await adminDocker(ctx, ['login', '--username', reg.user, '--password-stdin', reg.host], { input: reg.password, timeoutMs: 60_000 }),
      'docker login of the bench'
    )
    results.machine = await machineFacts(ctx)
    if (results.machine.distOlderThanSrc) progress('note: dist/index.js is older than a file in src/ (npm run build?)')
    progress(
      `${results.machine.nproc} cores, node ${results.machine.node}, engine ${results.machine.dockerServer}, sections ${OPTS.only.join(', ')}${OPTS.quick ? ' (quick)' : ''}`
    )
    await ensureBase(ctx)
    const sections = { overhead, rebuild, startup, large, distribute, testinput, promote }
    for (const name of OPTS.only) {
      const t = performance.now()
      progress(`== ${name}`)
      results[name] = await sections[name](ctx)
      results[name].sectionSeconds = round((performance.now() - t) / 1000)
      if (name === 'rebuild' && reg.classicHost) {
        // GitHub-hosted runners' Docker keeps images in the classic store: inline cache there.
        const t2 = performance.now()
        progress(`== rebuild on the classic image store (${reg.classicHost})`)
        results.rebuildClassic = await rebuild({ ...ctx, dockerHost: reg.classicHost })
        results.rebuildClassic.sectionSeconds = round((performance.now() - t2) / 1000)
      }
    }
  } catch (e) {
    progress(`FAILED: ${e instanceof Error ? e.stack || e.message : String(e)}`)
    results.error = e instanceof Error ? e.message : String(e)
    exitCode = 2
  } finally {
    await cleanupAll(ctx)
    clearTimeout(deadline)
  }
  results.totalSeconds = round((performance.now() - T0) / 1000)
  if (results.machine && fs.existsSync(ENTRY)) {
    results.machine.loadavgAtEnd = loadavg()
    const sha = createHash('sha256').update(fs.readFileSync(ENTRY)).digest('hex')
    if (sha !== results.machine.distIndexSha256) {
      results.machine.distIndexSha256AtEnd = sha
      progress('note: dist/index.js changed during the run (someone rebuilt it): the figures mix two bundles')
    }
  }
  results.notes = [...OPTS.only.flatMap(s => results[s]?.notes ?? []), ...(results.rebuildClassic?.notes ?? []), ...REDONE]
  if (results.machine?.distOlderThanSrc)
    results.notes.push('dist/index.js is older than a file in src/: the bundle measured may not be the current source')
  if (results.machine?.distIndexSha256AtEnd) results.notes.push('dist/index.js changed during the run: the figures mix two bundles')
  if (results.machine && Math.max(...results.machine.loadavgAtStart, ...results.machine.loadavgAtEnd) > (results.machine.nproc ?? 1)) {
    results.notes.push(
      `load average above the core count (start ${results.machine.loadavgAtStart.join(' ')}, end ${results.machine.loadavgAtEnd.join(' ')}): other work shared the machine`
    )
  }
  results.figures = figures(results)
  const out = path.resolve(
    OPTS.out ?? path.join(REPO, 'bench', OPTS.quick || OPTS.only.length < SECTIONS.length ? 'results-partial.json' : 'results.json')
  )
  await writeJson(out, results)
  console.log(table(results.figures))
  for (const n of results.notes) console.log(`note: ${n}`)
  if (results.error) console.log(`error: ${results.error}`)
  progress(`done in ${results.totalSeconds} s; results in ${path.relative(process.cwd(), out) || out}`)
  process.exitCode = exitCode
}

await main()
