// Section 1, overhead: the whole action (main + post) against the raw CLI doing the same work on a
// fully cached build, in interleaved pairs: medians and their ratio.
import { RUN_ID, TARGETS, median, ms, progress, round, summary } from './common.mjs'
import { makeWorkspace, mustAction, runAction, smallFiles } from './action.mjs'
import { normalisedLine, pairHead } from './buildlog.mjs'
import { localImages, removeImages } from './engine.mjs'
import { loadavg } from './machine.mjs'
import { rmrf } from './proc.mjs'
import { runRaw } from './raw.mjs'
import { capturedBuildArgv, makeShim } from './shim.mjs'

/** 1. The whole action vs the raw CLI on a fully cached build. */
export async function overhead(ctx) {
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
  for (let i = 0; i < ctx.counts.overheadPairs; i++) {
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
      `overhead pair ${i + 1}/${ctx.counts.overheadPairs} (${pair.order}): action ${ms(a.ms)} (main ${ms(a.main.ms)} + post ${ms(a.post.ms)}), raw ${ms(r.ms)} (login ${ms(r.login)}, build ${ms(r.build)}, logout ${ms(r.logout)})`
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

/** The table rows of the overhead section (none when it did not run). */
export function overheadFigures(results, add) {
  const o = results.overhead
  if (o) {
    add('overhead', 'action (main+post), median', ms(o.actionMedianMs), '', null)
    add('overhead', 'raw CLI (login+build+logout), median', ms(o.rawMedianMs), '', null)
    add('overhead', 'action - raw, medians', ms(o.diffMs), '', null)
    add('overhead', 'action / raw ratio', String(o.ratio), `<= ${o.target}`, o.pass)
  }
}
