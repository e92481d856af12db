// Benchmarks of the Docker Ship action on this machine, against the raw docker CLI doing the same
// work. Needs the engine and registry of scripts/e2e-env.sh (run it first) and a built dist/.
//
//   node scripts/bench/main.mjs                      every section, full counts (~5-8 min on 2 cores)
//   node scripts/bench/main.mjs --quick              fewer runs: a smoke check of the bench itself
//   node scripts/bench/main.mjs --only startup,large some sections: overhead, rebuild, startup, large
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
//
// Progress goes to stderr, the table to stdout. The action's argv is taken from the `docker` shim
// (NUL-separated argv, exact whatever the label values hold) and checked against the
// `[command]...` line that the action logs. Timings on a shared machine are noisy: the JSON keeps
// every run and the load average; compare medians of runs taken together, not across runs.

import { randomBytes, createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { clearTimeout } from 'node:timers'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { actionInputs, makeWorkspace, mustAction, runAction, smallFiles } from './action.mjs'
import { countsFor, parseArgs } from './args.mjs'
import { DIST, ENTRY, REPO, RUN_ID, SECTIONS, T0, TARGETS, fail, median, ms, progress, round, summary } from './common.mjs'
import { normalisedLine, pairHead, runSteps, stepSeconds } from './buildlog.mjs'
import { adminDocker, ensureBase, localImages, pruneBuildCache, readEnvFile, realDocker, removeImages } from './engine.mjs'
import { loadavg, machineFacts } from './machine.mjs'
import { BASE_ENV, killChildren, makeTmpRoot, must, removeTmpRoot, run, stopOnSignalOrDeadline, rmrf, tempDir } from './proc.mjs'
import { REDONE, runRaw } from './raw.mjs'
import { imageManifest, registryDiskBytes, uploadsSince } from './registry.mjs'
import { table, writeJson } from './report.mjs'
import { actionTimeline, capturedBuildArgv, makeShim, startEngineProxy } from './shim.mjs'

const OPTS = parseArgs(process.argv.slice(2), fileURLToPath(import.meta.url))
const COUNTS = countsFor(OPTS.quick)
/** Pause after removing a large image, before the next timed run. */
const LARGE_SETTLE_MS = 2_000

// ------------------------------------------------------------------------------------------ sections

/** 1. The whole action vs the raw CLI on a fully cached build. */
async function overhead(ctx) {
  const repo = `bench/overhead-${RUN_ID}`
  const workspace = makeWorkspace(smallFiles(ctx, repo))
  const inputs = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, image: repo }
  const shim = makeShim(ctx.docker)
  progress(`overhead: warm-up (cold build of ${repo}, argv taken by the docker shim)`)
  const warm = mustAction(await runAction(ctx, { workspace, inputs, shim }), 'action warm-up')
  const argv = capturedBuildArgv(shim, warm)
  rmrf(shim.dir)
  mustAction(await runAction(ctx, { workspace, inputs }), 'action second warm-up')
  await runRaw(ctx, { workspace, argv })
  const pairs = []
  for (let i = 0; i < COUNTS.overheadPairs; i++) {
    const actionFirst = i % 2 === 0
    let a, r
    for (const which of actionFirst ? ['action', 'raw'] : ['raw', 'action']) {
      if (which === 'action') a = mustAction(await runAction(ctx, { workspace, inputs }), 'action')
      else r = await runRaw(ctx, { workspace, argv })
    }
    if (normalisedLine(a.buildLine) !== normalisedLine(`[command]x ${argv.join(' ')}`)) {
      throw new Error(`the action ran another argv than the captured one:\n  ${a.buildLine}\n  ${argv.join(' ')}`)
    }
    const { aSteps, rSteps, head } = pairHead(a, r, actionFirst)
    const pair = {
      ...head,
      rawMs: round(r.ms),
      rawLoginMs: round(r.login),
      rawBuildMs: round(r.build),
      rawLogoutMs: round(r.logout),
      actionAllCached: aSteps.length > 0 && aSteps.every(s => s.cached),
      rawAllCached: rSteps.length > 0 && rSteps.every(s => s.cached)
    }
    pairs.push(pair)
    progress(
      `overhead pair ${i + 1}/${COUNTS.overheadPairs} (${pair.order}): action ${ms(a.ms)} (main ${ms(a.main.ms)} + post ${ms(a.post.ms)}), raw ${ms(r.ms)} (login ${ms(r.login)}, build ${ms(r.build)}, logout ${ms(r.logout)})`
    )
  }
  await removeImages(ctx, await localImages(ctx, repo))
  rmrf(workspace)
  const actionMedian = median(pairs.map(p => p.actionMs))
  const rawMedian = median(pairs.map(p => p.rawMs))
  const ratio = actionMedian / rawMedian
  const notes = []
  if (!pairs.every(p => p.actionAllCached && p.rawAllCached)) notes.push('overhead: not every timed build was fully cached')
  return {
    repo,
    argv: argv.map(a => a.replace(ctx.reg.password, '***')),
    pairs,
    action: summary(pairs.map(p => p.actionMs)),
    actionMain: summary(pairs.map(p => p.actionMainMs)),
    actionPost: summary(pairs.map(p => p.actionPostMs)),
    raw: summary(pairs.map(p => p.rawMs)),
    rawLogin: summary(pairs.map(p => p.rawLoginMs)),
    rawBuild: summary(pairs.map(p => p.rawBuildMs)),
    rawLogout: summary(pairs.map(p => p.rawLogoutMs)),
    actionMedianMs: round(actionMedian),
    rawMedianMs: round(rawMedian),
    diffMs: round(actionMedian - rawMedian),
    pairedDiffMedianMs: round(median(pairs.map(p => p.actionMs - p.rawMs))),
    ratio: round(ratio, 3),
    target: TARGETS.overheadRatio,
    pass: ratio <= TARGETS.overheadRatio,
    loadavg: loadavg(),
    notes
  }
}

/** 2. Cold build + push, wipe the engine, rebuild the unchanged context with default inputs. */
async function rebuild(ctx) {
  const base = `bench/rebuild-${RUN_ID}`
  const files = repo => ({
    Dockerfile: [
      `FROM ${ctx.base}`,
      // Unique per bench run, cycle and side: no other build's cache can match.
      `RUN echo ${repo} > /bench-id`,
      'RUN i=0; s=0; while [ $i -lt 700000 ]; do s=$(( (s + i * i) % 1000003 )); i=$((i+1)); done; echo $s > /loop-sum',
      'RUN dd if=/dev/urandom bs=1M count=320 2>/dev/null | sha256sum > /random.sha256',
      'RUN dd if=/dev/urandom of=/data.bin bs=1M count=8 2>/dev/null && sha256sum /data.bin > /data.sha256',
      'COPY app.txt /app.txt',
      ''
    ].join('\n'),
    'app.txt': `hello from ${repo}\n`
  })
  /** Removes the images of `repo` and the base image, and the whole build cache: a fresh runner. */
  const wipe = async repo => {
    await removeImages(ctx, [...(await localImages(ctx, repo)), ctx.base])
    await pruneBuildCache(ctx)
    return localImages(ctx, repo)
  }
  const buildOf = t => t.main.commands.find(c => c.name === 'buildx build')?.ms ?? null
  let actionArgv = null

  /** The action: cold build + push, wipe, warm rebuild with default inputs. */
  const actionCycle = async repo => {
    const workspace = makeWorkspace(files(repo))
    const inputs = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, image: repo }
    const shim = makeShim(ctx.docker)
    await removeImages(ctx, [ctx.base])
    const cold = mustAction(await runAction(ctx, { workspace, inputs, shim, timeoutMs: 300_000 }), 'cold build')
    const coldTimeline = actionTimeline(shim, cold)
    const argv = shim.calls().find(c => c.name === 'buildx build')?.argv
    if (!argv) throw new Error('rebuild: the docker shim saw no buildx build')
    actionArgv ??= { argv, workspace, repo }
    shim.reset()
    const left = await wipe(repo)
    const mark = fs.statSync(ctx.reg.log).size
    const warm = mustAction(await runAction(ctx, { workspace, inputs, shim, timeoutMs: 300_000 }), 'warm rebuild')
    const warmTimeline = actionTimeline(shim, warm)
    rmrf(shim.dir)
    await sleep(300) // the registry's last log lines
    const uploaded = uploadsSince(ctx.reg.log, mark, repo)
    const manifest = await imageManifest(ctx.reg, repo, warm.outputs.digest || 'latest')
    const layers = (manifest.layers ?? []).map(l => l.digest)
    const layerUploads = uploaded.filter(d => layers.includes(d))
    await removeImages(ctx, await localImages(ctx, repo))
    rmrf(workspace)
    const c = { repo, cold, warm, coldTimeline, warmTimeline, left, uploaded, layers, layerUploads, ratio: warm.ms / cold.ms }
    progress(
      `rebuild (action) ${repo}: cold ${ms(cold.ms)}, warm ${ms(warm.ms)} (its buildx build ${ms(buildOf(warmTimeline))}), ratio ${round(c.ratio, 3)}, blobs uploaded ${uploaded.length}, of them layers ${layerUploads.length}`
    )
    return c
  }

  /** The floor: the raw CLI (login, the action's own build argv, logout), the same cycle. */
  const rawCycle = async repo => {
    const workspace = makeWorkspace(files(repo))
    const argv = actionArgv.argv.map(a => a.split(actionArgv.workspace).join(workspace).split(actionArgv.repo).join(repo))
    await removeImages(ctx, [ctx.base])
    const cold = await runRaw(ctx, { workspace, argv, timeoutMs: 300_000 })
    await wipe(repo)
    const warm = await runRaw(ctx, { workspace, argv, timeoutMs: 300_000 })
    await removeImages(ctx, await localImages(ctx, repo))
    rmrf(workspace)
    const c = { repo, cold, warm, ratio: warm.ms / cold.ms }
    progress(`rebuild (raw CLI) ${repo}: cold ${ms(cold.ms)}, warm ${ms(warm.ms)}, ratio ${round(c.ratio, 3)}`)
    return c
  }

  // Cycles, the action and the raw CLI in turn (the raw CLI needs the action's argv: action first).
  const actions = []
  const raws = []
  for (let i = 0; i < COUNTS.rebuildCycles; i++) {
    progress(`rebuild cycle ${i + 1}/${COUNTS.rebuildCycles}`)
    if (i % 2 === 0) {
      actions.push(await actionCycle(`${base}-${i}`))
      raws.push(await rawCycle(`${base}-${i}-raw`))
    } else {
      raws.push(await rawCycle(`${base}-${i}-raw`))
      actions.push(await actionCycle(`${base}-${i}`))
    }
  }

  const first = actions[0]
  const ratio = median(actions.map(c => c.ratio))
  const rawRatio = median(raws.map(c => c.ratio))
  const maxLayerUploads = Math.max(...actions.map(c => c.layerUploads.length))
  const notes = []
  for (const c of actions) {
    if (runSteps(c.cold.log).some(s => s.cached)) notes.push(`rebuild: the cold build of ${c.repo} had cached RUN steps`)
    if (!runSteps(c.warm.log).every(s => s.cached)) notes.push(`rebuild: the warm build of ${c.repo} ran steps again (not CACHED)`)
    if (c.left.length > 0) notes.push(`rebuild: images left after the wipe: ${c.left.join(', ')}`)
  }
  for (const c of raws)
    if (!runSteps(c.warm.log).every(s => s.cached)) notes.push(`rebuild: the raw warm build of ${c.repo} ran steps again`)
  return {
    cycles: COUNTS.rebuildCycles,
    actionCycles: actions.map(c => ({
      repo: c.repo,
      coldMs: round(c.cold.ms),
      warmMs: round(c.warm.ms),
      ratio: round(c.ratio, 3),
      coldBuildMs: buildOf(c.coldTimeline),
      warmBuildMs: buildOf(c.warmTimeline),
      blobsUploadedOnWarm: c.uploaded.length,
      layerUploadsOnWarm: c.layerUploads.length
    })),
    rawCycles: raws.map(c => ({ repo: c.repo, coldMs: round(c.cold.ms), warmMs: round(c.warm.ms), ratio: round(c.ratio, 3) })),
    coldMs: round(median(actions.map(c => c.cold.ms))),
    warmMs: round(median(actions.map(c => c.warm.ms))),
    ratio: round(ratio, 3),
    ratioTarget: TARGETS.rebuildRatio,
    ratioPass: ratio <= TARGETS.rebuildRatio,
    buildRatio: round(median(actions.map(c => buildOf(c.warmTimeline) / buildOf(c.coldTimeline))), 3),
    rawColdMs: round(median(raws.map(c => c.cold.ms))),
    rawWarmMs: round(median(raws.map(c => c.warm.ms))),
    rawRatio: round(rawRatio, 3),
    // The first cycle in detail.
    coldTimeline: first.coldTimeline,
    warmTimeline: first.warmTimeline,
    coldStepSeconds: stepSeconds(first.cold.log),
    warmStepSeconds: stepSeconds(first.warm.log),
    coldSteps: runSteps(first.cold.log),
    warmSteps: runSteps(first.warm.log),
    // BuildKit's own lines of the warm build (what it imported, what it found CACHED).
    warmBuildLog: first.warm.log
      .split('\n')
      .filter(l => /^#\d+ /.test(l) && !/^#\d+ (sha256:|writing|preparing|pushing layer)/.test(l))
      .slice(0, 150),
    blobsUploadedOnWarm: first.uploaded,
    layers: first.layers,
    layerUploadsOnWarm: maxLayerUploads,
    layerUploadsTarget: TARGETS.rebuildLayerUploads,
    layerUploadsPass: maxLayerUploads <= TARGETS.rebuildLayerUploads && actions.every(c => c.layers.length > 0),
    loadavg: loadavg(),
    notes
  }
}

function distSize() {
  const files = []
  const walk = dir => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name)
      if (e.isDirectory()) walk(p)
      else files.push({ file: path.relative(REPO, p), bytes: fs.lstatSync(p).size })
    }
  }
  walk(DIST)
  return { bytes: files.reduce((s, f) => s + f.bytes, 0), files }
}

/** 3. dist/ size; time from spawning node to the first engine request; where the time goes. */
async function startup(ctx) {
  const dist = distSize()
  const repo = `bench/startup-${RUN_ID}`
  const workspace = makeWorkspace(smallFiles(ctx, repo))
  const inputs = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, image: repo }
  const shim = makeShim(ctx.docker)
  // The engine behind a proxy socket too: the action's first engine request may be an API call.
  const proxy = await startEngineProxy()
  const env = { DOCKER_HOST: proxy.address }
  progress(`startup: warm-up of ${repo}`)
  mustAction(await runAction(ctx, { workspace, inputs, shim, env }), 'startup warm-up')
  const runs = []
  for (let i = 0; i < COUNTS.startupRuns; i++) {
    shim.reset()
    proxy.reset()
    const a = mustAction(await runAction(ctx, { workspace, inputs, shim, env }), 'startup run')
    const t = actionTimeline(shim, a)
    const api = proxy.connections().filter(c => c.ns >= a.main.wallStartNs && c.ns < a.post.wallStartNs)[0]
    const apiMs = api ? round(Number(api.ns - a.main.wallStartNs) / 1e6) : null
    const cliFirst = apiMs === null || (t.main.firstCommandMs !== null && t.main.firstCommandMs <= apiMs)
    const commandsMs = {}
    for (const c of [...t.main.commands, ...t.post.commands]) commandsMs[c.name] = round((commandsMs[c.name] ?? 0) + c.ms)
    const row = {
      // The first thing asked of the engine, by the docker CLI or by the action itself.
      firstEngine: cliFirst ? `docker ${t.main.commands[0]?.name ?? '-'}` : api.request,
      firstEngineMs: cliFirst ? t.main.firstCommandMs : apiMs,
      firstApiRequest: api?.request ?? null,
      firstApiMs: apiMs,
      firstCommand: t.main.commands[0]?.name ?? null,
      firstCommandMs: t.main.firstCommandMs,
      mainGapsMs: round(t.main.gapsMs.reduce((x, y) => x + y, 0)),
      mainTailMs: t.main.tailMs,
      mainOutsideMs: t.main.outsideMs,
      postFirstCommandMs: t.post.firstCommandMs,
      postTailMs: t.post.tailMs,
      postOutsideMs: t.post.outsideMs,
      commandsMs,
      mainMs: round(a.main.ms),
      postMs: round(a.post.ms),
      calls: [...t.main.commands, ...t.post.commands].map(c => c.name)
    }
    runs.push(row)
    const cmdText = Object.entries(commandsMs)
      .map(([k, v]) => `${k} ${ms(v)}`)
      .join(', ')
    progress(
      `startup run ${i + 1}/${COUNTS.startupRuns}: first engine request (${row.firstEngine}) after ${ms(row.firstEngineMs)}; first docker command (${row.firstCommand}) after ${ms(row.firstCommandMs)}; main ${ms(row.mainMs)} (outside commands ${ms(row.mainOutsideMs)}: gaps ${ms(row.mainGapsMs)}, after the last ${ms(row.mainTailMs)}), post ${ms(row.postMs)} (first command after ${ms(row.postFirstCommandMs)}, after the last ${ms(row.postTailMs)}); commands: ${cmdText}`
    )
  }
  rmrf(shim.dir)
  await proxy.close()
  await removeImages(ctx, await localImages(ctx, repo))
  rmrf(workspace)

  // References: node's bare start, loading the bundle (it stops at the first input check), the probe.
  const refs = { nodeBareMs: [], bundleLoadMs: [], buildxInspectMs: [], dockerVersionMs: [] }
  const bundleNotes = new Set()
  const refHome = tempDir('ref')
  const refEnv = { ...BASE_ENV(), HOME: refHome, DOCKER_CONFIG: refHome }
  for (let i = 0; i < COUNTS.refRuns; i++) {
    refs.nodeBareMs.push((await run(process.execPath, ['-e', '0'], { env: refEnv, cwd: REPO, timeoutMs: 30_000 })).ms)
    const b = await run(process.execPath, ['-e', "import('./dist/index.js')"], { env: refEnv, cwd: REPO, timeoutMs: 30_000 })
    if (b.timedOut || !/::error::/.test(b.stdout))
      bundleNotes.add(`startup: the bundle without inputs did not stop at an input error (exit ${b.code})`)
    refs.bundleLoadMs.push(b.ms)
    refs.buildxInspectMs.push(must(await run(ctx.docker, ['buildx', 'inspect'], { env: refEnv, timeoutMs: 30_000 }), 'buildx inspect').ms)
    refs.dockerVersionMs.push(must(await run(ctx.docker, ['version'], { env: refEnv, timeoutMs: 30_000 }), 'docker version').ms)
  }
  rmrf(refHome)
  const firstMs = median(runs.map(r => r.firstEngineMs))
  const col = k => summary(runs.map(r => r[k]).filter(x => x !== null))
  return {
    dist,
    distTarget: TARGETS.distBytes,
    distPass: dist.bytes <= TARGETS.distBytes,
    runs,
    firstEngineMedianMs: round(firstMs),
    firstEngineRequests: [...new Set(runs.map(r => r.firstEngine))],
    firstCommandMedianMs: round(median(runs.map(r => r.firstCommandMs).filter(x => x !== null))),
    firstCommandTarget: TARGETS.firstCommandMs,
    firstCommandPass: firstMs <= TARGETS.firstCommandMs,
    breakdown: {
      firstEngineMs: col('firstEngineMs'),
      firstCommandMs: col('firstCommandMs'),
      mainGapsMs: col('mainGapsMs'),
      mainTailMs: col('mainTailMs'),
      mainOutsideMs: col('mainOutsideMs'),
      mainMs: col('mainMs'),
      postFirstCommandMs: col('postFirstCommandMs'),
      postTailMs: col('postTailMs'),
      postOutsideMs: col('postOutsideMs'),
      postMs: col('postMs'),
      // command -> its own time (start to exit, through the shim), summed over main and post
      commandsMs: Object.fromEntries(
        [...new Set(runs.flatMap(r => Object.keys(r.commandsMs)))].map(k => [
          k,
          summary(runs.map(r => r.commandsMs[k]).filter(x => x !== undefined))
        ])
      )
    },
    reference: Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, summary(v)])),
    loadavg: loadavg(),
    notes: [...bundleNotes]
  }
}

/** 4. >= 200 MB of layers, cache busted per run: the action's time over the raw CLI's. */
async function large(ctx) {
  const repo = `bench/large-${RUN_ID}`
  const workspace = makeWorkspace({
    Dockerfile: [
      `FROM ${ctx.base}`,
      'ARG NONCE',
      'RUN echo "$NONCE" > /nonce && dd if=/dev/urandom of=/big1.bin bs=1M count=110 2>/dev/null',
      'RUN dd if=/dev/urandom of=/big2.bin bs=1M count=110 2>/dev/null',
      ''
    ].join('\n')
  })
  const inputs = n => ({
    registry: ctx.reg.host,
    username: ctx.reg.user,
    password: ctx.reg.password,
    image: repo,
    'build-args': `NONCE=${n}`
  })
  const nonce = tag => `${tag}-${randomBytes(6).toString('hex')}`
  // Both sides run docker through the same shim (a few ms a call each): it times every command,
  // so the engine's build can be told apart from what is around it.
  const shim = makeShim(ctx.docker)
  const timeoutMs = 600_000
  const registryBytesBefore = await registryDiskBytes(ctx)
  const pairs = []
  let layerBytes = 0
  let argv = []
  try {
    progress(`large: warm-up of ${repo} (argv taken by the docker shim)`)
    const warm = mustAction(await runAction(ctx, { workspace, inputs: inputs(nonce('warm')), shim, timeoutMs }), 'large warm-up')
    argv = capturedBuildArgv(shim, warm)
    const manifest = await imageManifest(ctx.reg, repo, warm.outputs.digest || 'latest')
    layerBytes = (manifest.layers ?? []).reduce((s, l) => s + l.size, 0)
    progress(`large: warm-up ${ms(warm.ms)}, ${round(layerBytes / 1e6)} MB of layers`)
    if (!argv.some(a => a.startsWith('NONCE='))) {
      throw new Error('the action argv has no --build-arg NONCE=...')
    }
    await removeImages(ctx, await localImages(ctx, repo))
    const buildMs = () => {
      const b = shim.calls().filter(c => c.name === 'buildx build')
      if (b.length !== 1 || b[0].ms === null) throw new Error(`expected one finished buildx build, the shim saw ${b.length}`)
      return b[0].ms
    }
    for (let i = 0; i < COUNTS.largePairs; i++) {
      const actionFirst = i % 2 === 0
      let a, r, aBuild, rBuild, aTimeline
      for (const which of actionFirst ? ['action', 'raw'] : ['raw', 'action']) {
        shim.reset()
        if (which === 'action') {
          a = mustAction(await runAction(ctx, { workspace, inputs: inputs(nonce('a')), shim, timeoutMs }), 'large action')
          aBuild = buildMs()
          aTimeline = actionTimeline(shim, a)
        } else {
          const n = nonce('r')
          const rawArgv = argv.map(x => (x.startsWith('NONCE=') ? `NONCE=${n}` : x))
          r = await runRaw(ctx, { workspace, argv: rawArgv, timeoutMs, docker: shim.docker })
          rBuild = buildMs()
        }
        // Outside the timing: do not let the engine's store grow by 220 MB a run, let the engine
        // delete that content, and write the last run's data to disk (the registry's and the
        // engine's), before the next run (else the next run pays for it).
        await removeImages(ctx, await localImages(ctx, repo))
        await sleep(LARGE_SETTLE_MS)
        await run('sync', [], { timeoutMs: 120_000 })
      }
      const { aSteps, rSteps, head } = pairHead(a, r, actionFirst)
      const pair = {
        ...head,
        actionBuildMs: round(aBuild),
        actionOutsideBuildMs: round(a.ms - aBuild),
        actionCommandsMs: Object.fromEntries(
          [...aTimeline.main.commands, ...aTimeline.post.commands].map((c, j) => [`${j + 1}. ${c.name}`, c.ms])
        ),
        rawMs: round(r.ms),
        rawBuildMs: round(rBuild),
        rawOutsideBuildMs: round(r.ms - rBuild),
        actionSteps: stepSeconds(a.log),
        rawSteps: stepSeconds(r.log),
        actionRanAllSteps: aSteps.length > 0 && aSteps.every(s => !s.cached),
        rawRanAllSteps: rSteps.length > 0 && rSteps.every(s => !s.cached),
        loadavg1: round(os.loadavg()[0], 2)
      }
      pairs.push(pair)
      progress(
        `large pair ${i + 1}/${COUNTS.largePairs} (${pair.order}): action ${ms(a.ms)} (build ${ms(aBuild)} + the rest ${ms(a.ms - aBuild)}), raw ${ms(r.ms)} (build ${ms(rBuild)} + the rest ${ms(r.ms - rBuild)}), diff ${ms(a.ms - r.ms)} (${round(((a.ms - r.ms) / r.ms) * 100, 2)} %), load ${pair.loadavg1}`
      )
    }
  } finally {
    rmrf(shim.dir)
    rmrf(workspace)
    progress('large: removing the large images and the build cache')
    await removeImages(ctx, await localImages(ctx, repo))
    await pruneBuildCache(ctx)
  }
  const col = k => pairs.map(p => p[k])
  const actionMedian = median(col('actionMs'))
  const rawMedian = median(col('rawMs'))
  const pct = ((actionMedian - rawMedian) / rawMedian) * 100
  // The same argv on the same engine: the builds should cost the same; what differs is around them.
  const buildRatio = median(col('actionBuildMs')) / median(col('rawBuildMs'))
  const ownMs = median(col('actionOutsideBuildMs')) - median(col('rawOutsideBuildMs'))
  const ownPct = (ownMs / rawMedian) * 100
  const notes = []
  const registryBytesAfter = await registryDiskBytes(ctx)
  const grown = registryBytesAfter !== null && registryBytesBefore !== null ? registryBytesAfter - registryBytesBefore : null
  if (grown !== null)
    notes.push(`large: the registry's storage grew by ${round(grown / 1e6)} MB (blobs stay until the registry's garbage-collect)`)
  if (layerBytes < TARGETS.largeLayerBytes) notes.push(`large: only ${round(layerBytes / 1e6)} MB of layers`)
  if (!pairs.every(p => p.actionRanAllSteps && p.rawRanAllSteps)) notes.push('large: a timed build reused cached RUN steps')
  const spread = (Math.max(...col('rawBuildMs')) - Math.min(...col('rawBuildMs'))) / median(col('rawBuildMs'))
  if (pairs.length > 1 && spread > (TARGETS.largeOverheadPct / 100) * 2)
    notes.push(
      `large: the raw builds alone spread over ${round(spread * 100, 1)} % of their median (machine load): the direct (action - raw) figure is within that noise; "action's own time" is the steadier one`
    )
  const pairedDiff = median(pairs.map(p => p.actionMs - p.rawMs))
  const pairedPct = (pairedDiff / rawMedian) * 100
  return {
    repo,
    argv: argv.map(x => x.replace(ctx.reg.password, '***')),
    layerBytes,
    registryGrowthBytes: grown,
    pairs,
    action: summary(col('actionMs')),
    raw: summary(col('rawMs')),
    actionBuild: summary(col('actionBuildMs')),
    rawBuild: summary(col('rawBuildMs')),
    actionOutsideBuild: summary(col('actionOutsideBuildMs')),
    rawOutsideBuild: summary(col('rawOutsideBuildMs')),
    actionMedianMs: round(actionMedian),
    rawMedianMs: round(rawMedian),
    diffMs: round(actionMedian - rawMedian),
    pairedDiffMedianMs: round(pairedDiff),
    // Interleaved A/B pairs: the median of each pair's difference is the direct figure; the
    // difference of the two medians is kept beside it (it takes each side's noise whole).
    pairedPct: round(pairedPct, 2),
    overheadPct: round(pct, 2),
    buildRatio: round(buildRatio, 3),
    ownMs: round(ownMs),
    ownPct: round(ownPct, 2),
    target: TARGETS.largeOverheadPct,
    pass: pairedPct < TARGETS.largeOverheadPct,
    ownPass: ownPct < TARGETS.largeOverheadPct,
    loadavg: loadavg(),
    notes
  }
}

function figures(results) {
  const f = []
  const add = (section, name, value, target, pass) => f.push({ section, name, value, target, pass })
  const o = results.overhead
  if (o) {
    add('overhead', 'action (main+post), median', ms(o.actionMedianMs), '', null)
    add('overhead', 'raw CLI (login+build+logout), median', ms(o.rawMedianMs), '', null)
    add('overhead', 'action - raw, medians', ms(o.diffMs), '', null)
    add('overhead', 'action / raw ratio', String(o.ratio), `<= ${o.target}`, o.pass)
  }
  for (const [section, r] of [
    ['rebuild', results.rebuild],
    ['rebuild (classic store)', results.rebuildClassic]
  ]) {
    if (!r) continue
    add(section, `cold build + push, median of ${r.cycles}`, ms(r.coldMs), '', null)
    add(section, 'warm rebuild on a wiped engine, median', ms(r.warmMs), '', null)
    add(section, 'warm / cold ratio, median', String(r.ratio), `<= ${r.ratioTarget}`, r.ratioPass)
    add(section, 'warm / cold, the buildx build alone', String(r.buildRatio), '', null)
    add(section, 'raw CLI: cold, warm (same argv), medians', `${ms(r.rawColdMs)}, ${ms(r.rawWarmMs)}`, '', null)
    add(section, 'raw CLI warm / cold (the engine floor)', String(r.rawRatio), '', null)
    add(section, 'layer blobs uploaded on warm, most', String(r.layerUploadsOnWarm), `${r.layerUploadsTarget}`, r.layerUploadsPass)
  }
  const s = results.startup
  if (s) {
    add('startup', 'dist/ total size', `${s.dist.bytes} B`, `<= ${s.distTarget} B`, s.distPass)
    add(
      'startup',
      `spawn node -> first engine request, median`,
      `${ms(s.firstEngineMedianMs)} (${s.firstEngineRequests.join(', ')})`,
      `<= ${s.firstCommandTarget} ms`,
      s.firstCommandPass
    )
    add('startup', 'spawn node -> first docker CLI command, median', ms(s.firstCommandMedianMs), '', null)
    add('startup', 'node -e 0, median (reference)', ms(s.reference.nodeBareMs.median), '', null)
    add('startup', 'bundle load to input error, median (ref)', ms(s.reference.bundleLoadMs.median), '', null)
    add('startup', 'docker buildx inspect, median (reference)', ms(s.reference.buildxInspectMs.median), '', null)
  }
  const l = results.large
  if (l) {
    add(
      'large',
      `layers pushed per run`,
      `${round(l.layerBytes / 1e6)} MB`,
      `>= ${TARGETS.largeLayerBytes / 1e6} MB`,
      l.layerBytes >= TARGETS.largeLayerBytes
    )
    add('large', 'action / raw CLI, medians', `${ms(l.actionMedianMs)} / ${ms(l.rawMedianMs)}`, '', null)
    add('large', '(action - raw) / raw: median of the pairs', `${l.pairedPct} %`, `< ${l.target} %`, l.pass)
    add('large', '(action - raw) / raw: difference of medians', `${l.overheadPct} %`, '', null)
    add('large', 'same build argv: action / raw build time', String(l.buildRatio), '', null)
    add('large', "action's own time (outside build) - raw's", `${ms(l.ownMs)} (${l.ownPct} %)`, `< ${l.target} %`, l.ownPass)
    add(
      'large',
      'raw build spread (max - min) / median',
      `${round(((l.rawBuild.max - l.rawBuild.min) / l.rawBuild.median) * 100, 1)} %`,
      '',
      null
    )
    if (o) add('large', 'overhead diff (1) / raw median (4)', `${round((o.diffMs / l.rawMedianMs) * 100, 2)} %`, `< ${l.target} %`, null)
  }
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
    inputDefaults: await actionInputs()
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
    const sections = { overhead, rebuild, startup, large }
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
