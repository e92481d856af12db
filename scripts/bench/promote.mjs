// Section 5, promote: a release (git tag) of a commit the default branch already built, with
// >= 200 MB of layers: the promotion's time (no build: the release references are made from the
// sha-<7> image in the registry) against the full rebuild of the same release (promote: never,
// no-cache: true), in cycles of: push to main at a fresh commit, tag it (promoted), tag it again
// with promote: never (rebuilt).
import { createHash, randomBytes } from 'node:crypto'
import { RUN_ID, TARGETS, median, ms, progress, round, summary } from './common.mjs'
import { makeWorkspace, mustAction, runAction } from './action.mjs'
import { localImages, removeImages } from './engine.mjs'
import { largeDockerfile } from './large.mjs'
import { loadavg } from './machine.mjs'
import { rmrf } from './proc.mjs'
import { imageManifest, registryRequest } from './registry.mjs'

const layersOf = async (ctx, repo, ref) => ((await imageManifest(ctx.reg, repo, ref)).layers ?? []).map(l => l.digest)

async function versionLabel(ctx, repo, ref) {
  const m = await imageManifest(ctx.reg, repo, ref)
  const res = await registryRequest(ctx.reg, 'GET', `/v2/${repo}/blobs/${m.config.digest}`)
  return JSON.parse(res.body).config?.Labels?.['org.opencontainers.image.version']
}

/** 5. A release of an already built commit: promoted vs rebuilt. */
export async function promote(ctx) {
  const repo = `bench/promote-${RUN_ID}`
  const workspace = makeWorkspace({
    Dockerfile: largeDockerfile(ctx.base)
  })
  const inputs = (nonce, extra = {}) => ({
    registry: ctx.reg.host,
    username: ctx.reg.user,
    password: ctx.reg.password,
    image: repo,
    'build-args': `NONCE=${nonce}`,
    ...extra
  })
  const timeoutMs = 600_000
  const cycles = []
  let layerBytes = 0
  const notes = []
  try {
    for (let i = 0; i < ctx.counts.promoteCycles; i++) {
      // A fresh commit and nonce per cycle: the main build runs every RUN step.
      const at = { ...ctx, sha: createHash('sha1').update(`${RUN_ID}-${i}`).digest('hex') }
      const nonce = randomBytes(6).toString('hex')
      const sha7 = `sha-${at.sha.slice(0, 7)}`
      const main = mustAction(await runAction(at, { workspace, inputs: inputs(nonce), timeoutMs }), 'promote: main build')
      await removeImages(ctx, await localImages(ctx, repo))
      const m = await imageManifest(ctx.reg, repo, sha7)
      layerBytes = (m.layers ?? []).reduce((s, l) => s + l.size, 0)
      const release = `1.${i}.0`
      const promoted = mustAction(
        await runAction(at, { workspace, inputs: inputs(nonce), timeoutMs, ref: `refs/tags/v${release}` }),
        'promote: promoted release'
      )
      const rebuiltTag = `1.${i}.1`
      const rebuilt = mustAction(
        await runAction(at, {
          workspace,
          inputs: inputs(nonce, { promote: 'never', 'no-cache': 'true' }),
          timeoutMs,
          ref: `refs/tags/v${rebuiltTag}`
        }),
        'promote: rebuilt release'
      )
      await removeImages(ctx, await localImages(ctx, repo))
      const cycle = {
        sha7,
        mainMs: round(main.ms),
        promotedMs: round(promoted.ms),
        rebuiltMs: round(rebuilt.ms),
        promotedBuilt: promoted.buildLine !== '',
        promotedLogSays: /Promoted from \S+:sha-[0-9a-f]{7}@sha256:[0-9a-f]{64}/.test(promoted.log),
        rebuiltBuilt: rebuilt.buildLine !== '',
        sameLayers: JSON.stringify(await layersOf(ctx, repo, release)) === JSON.stringify(await layersOf(ctx, repo, sha7)),
        rebuiltSameLayers: JSON.stringify(await layersOf(ctx, repo, rebuiltTag)) === JSON.stringify(await layersOf(ctx, repo, sha7)),
        versionLabel: await versionLabel(ctx, repo, release)
      }
      cycles.push(cycle)
      progress(
        `promote cycle ${i + 1}/${ctx.counts.promoteCycles}: main build ${ms(cycle.mainMs)}, release promoted ${ms(cycle.promotedMs)} (same layers: ${cycle.sameLayers}, version label ${cycle.versionLabel}), rebuilt ${ms(cycle.rebuiltMs)}`
      )
    }
  } finally {
    rmrf(workspace)
    await removeImages(ctx, await localImages(ctx, repo))
  }
  const col = k => cycles.map(c => c[k])
  const promotedMedian = median(col('promotedMs'))
  const rebuiltMedian = median(col('rebuiltMs'))
  const checked = cycles.every(
    c => !c.promotedBuilt && c.promotedLogSays && c.sameLayers && c.rebuiltBuilt && /^1\.\d+\.0$/.test(c.versionLabel)
  )
  if (!checked) notes.push('promote: a promoted release built, or its layers or version label were not the expected ones (see cycles)')
  if (layerBytes < TARGETS.largeLayerBytes) notes.push(`promote: only ${round(layerBytes / 1e6)} MB of layers`)
  return {
    repo,
    layerBytes,
    cycles,
    main: summary(col('mainMs')),
    promoted: summary(col('promotedMs')),
    rebuilt: summary(col('rebuiltMs')),
    promotedMedianMs: round(promotedMedian),
    rebuiltMedianMs: round(rebuiltMedian),
    ratio: round(promotedMedian / rebuiltMedian, 3),
    checked,
    target: TARGETS.promoteMs,
    pass: checked && promotedMedian <= TARGETS.promoteMs,
    loadavg: loadavg(),
    notes
  }
}

/** The table rows of the promote section. */
export function promoteFigures(results, add) {
  const p = results.promote
  if (!p) return
  add(
    'promote',
    'layers of the released image',
    `${round(p.layerBytes / 1e6)} MB`,
    `>= ${TARGETS.largeLayerBytes / 1e6} MB`,
    p.layerBytes >= TARGETS.largeLayerBytes
  )
  add('promote', 'release of a built commit, promoted (median)', ms(p.promotedMedianMs), `<= ${ms(p.target)}`, p.pass)
  add('promote', 'the same release rebuilt (promote: never, no-cache)', ms(p.rebuiltMedianMs), '', null)
  add('promote', 'promoted / rebuilt', String(p.ratio), '', null)
  add('promote', 'no build, same layers, version label', p.checked ? 'yes' : 'no', 'yes', p.checked)
}
