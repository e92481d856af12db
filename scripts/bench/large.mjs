// Section 4, large: >= 200 MB of layers, cache busted per run, in interleaved pairs: the action's
// time over the raw CLI's, and the action's own time apart from the build.
import { randomBytes } from 'node:crypto'
import * as os from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import { RUN_ID, TARGETS, median, ms, progress, round, summary } from './common.mjs'
import { makeWorkspace, mustAction, runAction } from './action.mjs'
import { pairHead, stepSeconds } from './buildlog.mjs'
import { localImages, pruneBuildCache, removeImages } from './engine.mjs'
import { loadavg } from './machine.mjs'
import { rmrf, run } from './proc.mjs'
import { runRaw } from './raw.mjs'
import { imageManifest, registryDiskBytes } from './registry.mjs'
import { actionTimeline, capturedBuildArgv, makeShim } from './shim.mjs'

/** Pause after removing a large image, before the next timed run. */
const LARGE_SETTLE_MS = 2_000

/** ~230 MB in two RUN layers; NONCE (a build arg) busts the cache of both. */
export function largeDockerfile(base) {
  return [
    `FROM ${base}`,
    'ARG NONCE',
    'RUN echo "$NONCE" > /nonce && dd if=/dev/urandom of=/big1.bin bs=1M count=110 2>/dev/null',
    'RUN dd if=/dev/urandom of=/big2.bin bs=1M count=110 2>/dev/null',
    ''
  ].join('\n')
}

/** 4. >= 200 MB of layers, cache busted per run: the action's time over the raw CLI's. */
export async function large(ctx) {
  const repo = `bench/large-${RUN_ID}`
  const workspace = makeWorkspace({
    Dockerfile: largeDockerfile(ctx.base)
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
    for (let i = 0; i < ctx.counts.largePairs; i++) {
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
        `large pair ${i + 1}/${ctx.counts.largePairs} (${pair.order}): action ${ms(a.ms)} (build ${ms(aBuild)} + the rest ${ms(a.ms - aBuild)}), raw ${ms(r.ms)} (build ${ms(rBuild)} + the rest ${ms(r.ms - rBuild)}), diff ${ms(a.ms - r.ms)} (${round(((a.ms - r.ms) / r.ms) * 100, 2)} %), load ${pair.loadavg1}`
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

/** The table rows of the large section, one of them against the overhead section (none when it did not run). */
export function largeFigures(results, add) {
  const o = results.overhead
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
}
