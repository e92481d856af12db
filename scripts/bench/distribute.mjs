// Section distribute: a two-platform image (linux/amd64 + linux/arm64) of one Dockerfile with RUN
// steps, cache busted per round by a build arg, built (a) in one step on one engine (QEMU for
// arm64) and (b) distributed: the two platform jobs (distribute: true), run one after the other on
// this one machine, then the merge job (merge: true). Reported: (a); (b) as the sum of the three
// jobs and as the slowest platform job + the merge (the wall time on two runners at once). On this
// machine the arm64 job still runs under QEMU; on a native arm64 runner it would take about what
// the amd64 job takes, which the last figure estimates (amd64 job + merge).
import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { RUN_ID, median, progress, round } from './common.mjs'
import { makeWorkspace, mustAction, runAction } from './action.mjs'

const STATE_DIR = process.env.E2E_STATE_DIR || '/var/tmp/docker-ship-e2e'

/** The amd64 + arm64 base index of scripts/e2e-env.sh --qemu. */
function baseIndex() {
  const text = fs.readFileSync(path.join(STATE_DIR, 'env'), 'utf8')
  const line = text.split('\n').find(l => l.startsWith('E2E_BASE_INDEX='))
  if (!line) throw new Error('the e2e env file has no E2E_BASE_INDEX: rerun `bash scripts/e2e-env.sh --qemu`')
  return line.slice('E2E_BASE_INDEX='.length).trim()
}

const seconds = r => round(r.ms / 1000, 2)

export async function distribute(ctx) {
  const repo = `bench/dist-${RUN_ID}`
  const loops = ctx.counts.distributeLoops
  const workspace = makeWorkspace({
    Dockerfile: [
      `FROM ${baseIndex()}`,
      'ARG NONCE',
      'RUN echo "$NONCE" > /nonce',
      `RUN i=0; s=0; while [ $i -lt ${loops} ]; do s=$(( (s + i * i) % 1000003 )); i=$((i+1)); done; echo $s > /sum`,
      'RUN uname -m > /arch',
      ''
    ].join('\n')
  })
  const common = { registry: ctx.reg.host, username: ctx.reg.user, password: ctx.reg.password, cache: 'off' }
  const rounds = []
  for (let i = 0; i < ctx.counts.distributeRounds; i++) {
    // Each side its own nonce (else the second reuses the first's RUN steps from the engine's cache);
    // the platform jobs share theirs: they are one plan.
    const nonce = side => ({ 'build-args': `NONCE=${side}-${i}-${randomBytes(6).toString('hex')}` })
    // (a) one step, both platforms, one engine: arm64 under QEMU.
    const one = mustAction(
      await runAction(ctx, {
        workspace,
        inputs: { ...common, ...nonce('one'), image: `${repo}-one`, platforms: 'linux/amd64,linux/arm64' },
        timeoutMs: 900_000
      }),
      'distribute: one-step build'
    )
    // (b) the platform jobs one after the other, then the merge (an empty workspace: no checkout).
    const dist = { ...common, ...nonce('dist'), image: `${repo}-dist` }
    const amd = mustAction(
      await runAction(ctx, { workspace, inputs: { ...dist, platforms: 'linux/amd64', distribute: 'true' }, timeoutMs: 900_000 }),
      'distribute: amd64 job'
    )
    const arm = mustAction(
      await runAction(ctx, { workspace, inputs: { ...dist, platforms: 'linux/arm64', distribute: 'true' }, timeoutMs: 900_000 }),
      'distribute: arm64 job'
    )
    const merge = mustAction(
      await runAction(ctx, { workspace: makeWorkspace({}), inputs: { ...dist, platforms: 'linux/amd64,linux/arm64', merge: 'true' } }),
      'distribute: merge job'
    )
    const r = { oneStep: seconds(one), amd64: seconds(amd), arm64: seconds(arm), merge: seconds(merge) }
    r.sum = round(r.amd64 + r.arm64 + r.merge, 2)
    r.slowestPlusMerge = round(Math.max(r.amd64, r.arm64) + r.merge, 2)
    r.nativeEstimate = round(r.amd64 + r.merge, 2)
    progress(`distribute: round ${i + 1}: one step ${r.oneStep} s; jobs amd64 ${r.amd64} s, arm64 ${r.arm64} s, merge ${r.merge} s`)
    rounds.push(r)
  }
  const med = key => round(median(rounds.map(r => r[key])), 2)
  return {
    repo,
    loops,
    rounds,
    oneStep: med('oneStep'),
    amd64: med('amd64'),
    arm64: med('arm64'),
    merge: med('merge'),
    sum: med('sum'),
    slowestPlusMerge: med('slowestPlusMerge'),
    nativeEstimate: med('nativeEstimate'),
    notes: ['distribute: one machine, so the arm64 platform job runs under QEMU like the one-step build; the native figure is an estimate']
  }
}

export function distributeFigures(results, add) {
  const d = results.distribute
  if (!d) return
  add('distribute', 'one step, 2 platforms, QEMU (s)', String(d.oneStep), '', null)
  add('distribute', 'platform jobs: amd64 / arm64 / merge (s)', `${d.amd64} / ${d.arm64} / ${d.merge}`, '', null)
  add('distribute', 'distributed, sum of the 3 jobs (s)', String(d.sum), '', null)
  add('distribute', 'distributed, slowest job + merge (s)', String(d.slowestPlusMerge), '', null)
  add('distribute', 'native arm64 runner, est. amd64 job + merge (s)', String(d.nativeEstimate), '', null)
}
