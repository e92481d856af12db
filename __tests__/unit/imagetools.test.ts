import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as path from 'node:path'
import { BuildxImagetools } from '../../src/engine/imagetools.js'
import type { RetryHooks } from '../../src/engine/retry.js'
import { findPlatformImages, MergeError } from '../../src/step/merge.js'
import { mergePlan } from '../../src/plan/distribute.js'
import { bobPlan, SHA } from './fixtures.js'

/** A `docker` first on PATH that answers each call with the next of `answers` (exit code, stderr, stdout) and logs its argv. */
function fakeDocker(answers: [number, string, string][]): { env: Record<string, string>; calls: () => string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-docker-'))
  answers.forEach(([code, err, out], i) => {
    writeFileSync(path.join(dir, `answer-${i + 1}`), `${code}\n${err}\n${out}`)
  })
  writeFileSync(
    path.join(dir, 'docker'),
    [
      '#!/bin/sh',
      `d=${dir}`,
      'n=$(( $(cat $d/count 2>/dev/null || echo 0) + 1 )); echo $n > $d/count',
      'echo "$*" >> $d/calls',
      'a=$d/answer-$n',
      'printf "%s" "$(sed -n 3p $a)"; sed -n 2p $a >&2; exit $(sed -n 1p $a)',
      ''
    ].join('\n')
  )
  chmodSync(path.join(dir, 'docker'), 0o755)
  return {
    env: { PATH: `${dir}:${process.env.PATH ?? ''}` },
    calls: () => readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n')
  }
}

const hooks: RetryHooks = {
  textOf: e => String((e as { stderr?: string }).stderr ?? e),
  sleep: async () => {},
  random: () => 0.5,
  log: () => {}
}
const policy = { retries: 2, delayMs: 1 }
const index = { repository: 'r:5000/a', tags: ['r:5000/a:latest'], sources: [] }

describe('docker buildx imagetools in a merge', () => {
  it('retries an index create that the registry answered with a 503, then reads its digest', async () => {
    const docker = fakeDocker([
      [1, 'ERROR: failed commit: unexpected status: 503 Service Unavailable', ''],
      [0, '', ''],
      [0, '', '{"digest":"sha256:index"}']
    ])
    const tool = new BuildxImagetools(docker.env, policy, hooks)
    await expect(tool.create(index, ['sha256:a'], [])).resolves.toBe('sha256:index')
    expect(docker.calls()).toEqual([
      'buildx imagetools create --tag r:5000/a:latest r:5000/a@sha256:a',
      'buildx imagetools create --tag r:5000/a:latest r:5000/a@sha256:a',
      'buildx imagetools inspect r:5000/a:latest --format {{json .Manifest}}'
    ])
  })

  it('reads a reference that is not there as no image, without retrying', async () => {
    const docker = fakeDocker([[1, 'ERROR: r:5000/a:dist-x: not found', '']])
    const tool = new BuildxImagetools(docker.env, policy, hooks)
    await expect(tool.find('r:5000/a:dist-x', 'linux/amd64')).resolves.toBeUndefined()
    expect(docker.calls()).toHaveLength(1)
  })

  it('stops the merge before any tag when a registry keeps failing a read, saying how often it tried', async () => {
    const fail: [number, string, string] = [1, 'ERROR: unexpected status: 502 Bad Gateway', '']
    const docker = fakeDocker([fail, fail, fail])
    const tool = new BuildxImagetools(docker.env, policy, hooks)
    const plan = mergePlan(bobPlan({ platforms: 'linux/amd64' }), SHA)
    const merge = findPlatformImages(tool, plan)
    await expect(merge).rejects.toThrow(MergeError)
    await expect(merge).rejects.toThrow(
      /^Merge stopped, no tag was changed: reading linux\/amd64 at bob\/app:dist-\S+ failed after 3 attempts: unexpected status: 502 Bad Gateway\.$/
    )
    expect(docker.calls().every(c => c.startsWith('buildx imagetools inspect'))).toBe(true)
  })
})
