// Section 2, rebuild: a cold build + push, a wiped engine (as a fresh runner has), and the
// unchanged context rebuilt with default inputs: warm/cold time and the layers uploaded again,
// beside the raw CLI's own warm/cold with the action's argv.
import * as fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { RUN_ID, TARGETS, median, ms, progress, round } from './common.mjs'
import { makeWorkspace, mustAction, runAction } from './action.mjs'
import { runSteps, stepSeconds } from './buildlog.mjs'
import { localImages, pruneBuildCache, removeImages } from './engine.mjs'
import { loadavg } from './machine.mjs'
import { rmrf } from './proc.mjs'
import { runRaw } from './raw.mjs'
import { imageManifest, uploadsSince } from './registry.mjs'
import { actionTimeline, makeShim } from './shim.mjs'

/** 2. Cold build + push, wipe the engine, rebuild the unchanged context with default inputs. */
export async function rebuild(ctx) {
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
  for (let i = 0; i < ctx.counts.rebuildCycles; i++) {
    progress(`rebuild cycle ${i + 1}/${ctx.counts.rebuildCycles}`)
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
    cycles: ctx.counts.rebuildCycles,
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

/** The table rows of the rebuild section, on each engine it ran on (none when it did not run). */
export function rebuildFigures(results, add) {
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
}
