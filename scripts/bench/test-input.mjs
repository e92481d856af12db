// Section testinput: the push path of a tested build. The `test` input builds the image loaded into
// the engine (buildx --load), runs the test, then pushes. Two ways to push what was tested, timed
// on the same fresh build, in turn (interleaved), on fresh repositories each:
//   (a) `docker push` of each of the 3 tags of the loaded image, one after the other;
//   (b) a second `buildx build --push` with the same inputs (fully cached: a push from BuildKit).
// No engine wipe: the build cache is this section's own (a unique RUN per cycle).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { RUN_ID, median, progress, round } from './common.mjs'
import { adminDocker, removeImages } from './engine.mjs'
import { must, rmrf, tempDir } from './proc.mjs'

const TAGS = ['latest', 'main', 'sha-0123456']

/** One cycle: a fresh context, built and loaded, then pushed by `way` ('docker-push' or 'buildx-push'). */
async function cycle(ctx, i, way) {
  const repo = `${ctx.reg.host}/bench/testinput-${RUN_ID}-${i}-${way}`
  const dir = tempDir('testinput')
  fs.writeFileSync(
    path.join(dir, 'Dockerfile'),
    [
      `FROM ${ctx.base}`,
      `RUN echo ${repo} > /bench-id`,
      'RUN dd if=/dev/urandom of=/data.bin bs=1M count=24 2>/dev/null',
      'COPY app.txt /app.txt',
      ''
    ].join('\n')
  )
  fs.writeFileSync(path.join(dir, 'app.txt'), `${repo}\n`)
  const tags = TAGS.flatMap(t => ['--tag', `${repo}:${t}`])
  const common = ['buildx', 'build', '--progress', 'plain', ...tags]
  const built = must(await adminDocker(ctx, [...common, '--load', dir], { timeoutMs: 300_000 }), 'buildx build --load')
  let pushMs = 0
  if (way === 'docker-push') {
    for (const t of TAGS) pushMs += must(await adminDocker(ctx, ['push', `${repo}:${t}`]), 'docker push').ms
  } else {
    pushMs = must(await adminDocker(ctx, [...common, '--push', dir], { timeoutMs: 300_000 }), 'buildx build --push').ms
  }
  await removeImages(
    ctx,
    TAGS.map(t => `${repo}:${t}`)
  )
  rmrf(dir)
  return { buildMs: round(built.ms, 0), pushMs: round(pushMs, 0) }
}

export async function testinput(ctx) {
  const runs = { 'docker-push': [], 'buildx-push': [] }
  const n = ctx.counts.testinputCycles ?? 3
  for (let i = 0; i < n; i++) {
    for (const way of i % 2 === 0 ? ['docker-push', 'buildx-push'] : ['buildx-push', 'docker-push']) {
      const r = await cycle(ctx, i, way)
      progress(`testinput ${i} ${way}: build+load ${r.buildMs} ms, push ${r.pushMs} ms`)
      runs[way].push(r)
    }
  }
  const med = way => median(runs[way].map(r => r.pushMs))
  return { runs, dockerPushMs: med('docker-push'), buildxPushMs: med('buildx-push'), notes: [] }
}

export function testinputFigures(results, add) {
  const r = results.testinput
  if (!r) return
  add('testinput', 'push loaded image: docker push x3 (median)', `${round(r.dockerPushMs, 0)} ms`, '-', null)
  add('testinput', 'push from cache: buildx build --push (median)', `${round(r.buildxPushMs, 0)} ms`, '-', null)
  add('testinput', 'buildx --push / docker push', String(round(r.buildxPushMs / r.dockerPushMs, 2)), '-', null)
}
