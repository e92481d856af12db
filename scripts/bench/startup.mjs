// Section 3, startup: dist/'s size and the time from spawning node to the action's first request
// to the engine (a docker command or an API call), with a breakdown and references.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { DIST, REPO, RUN_ID, TARGETS, median, ms, progress, round, summary } from './common.mjs'
import { makeWorkspace, mustAction, runAction, smallFiles } from './action.mjs'
import { localImages, removeImages } from './engine.mjs'
import { loadavg } from './machine.mjs'
import { BASE_ENV, must, rmrf, run, tempDir } from './proc.mjs'
import { actionTimeline, makeShim, startEngineProxy } from './shim.mjs'

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
export async function startup(ctx) {
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
  for (let i = 0; i < ctx.counts.startupRuns; i++) {
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
      `startup run ${i + 1}/${ctx.counts.startupRuns}: first engine request (${row.firstEngine}) after ${ms(row.firstEngineMs)}; first docker command (${row.firstCommand}) after ${ms(row.firstCommandMs)}; main ${ms(row.mainMs)} (outside commands ${ms(row.mainOutsideMs)}: gaps ${ms(row.mainGapsMs)}, after the last ${ms(row.mainTailMs)}), post ${ms(row.postMs)} (first command after ${ms(row.postFirstCommandMs)}, after the last ${ms(row.postTailMs)}); commands: ${cmdText}`
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
  for (let i = 0; i < ctx.counts.refRuns; i++) {
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

/** The table rows of the startup section (none when it did not run). */
export function startupFigures(results, add) {
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
}
