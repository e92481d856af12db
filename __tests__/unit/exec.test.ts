import { CommandError, run } from '../../src/engine/exec.js'
import { CommandTimeout } from '../../src/shared/timeouts.js'

describe('the exec wrapper', () => {
  it('closes the child stdin: a program that reads it ends at once', async () => {
    await expect(run('sh', ['-c', 'cat; echo read-all'], { silent: true })).resolves.toMatchObject({ exitCode: 0, stdout: 'read-all\n' })
  })

  it('leaves out the variables it is told to unset (a test never gets secret-envs)', async () => {
    process.env.TESTIN_SECRET_VALUE = 'hunter2'
    try {
      const r = await run('sh', ['-c', 'echo "[$TESTIN_SECRET_VALUE]"'], { silent: true, unset: ['TESTIN_SECRET_VALUE'] })
      expect(r.stdout).toBe('[]\n')
    } finally {
      delete process.env.TESTIN_SECRET_VALUE
    }
  })

  it('keeps stdout and stderr interleaved as they came', async () => {
    const r = await run('sh', ['-c', 'echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three'], { silent: true })
    expect(r.output).toBe('one\ntwo\nthree\n')
  })

  it('writes the input and then closes stdin', async () => {
    await expect(run('cat', [], { silent: true, input: 'secret-from-stdin' })).resolves.toMatchObject({ stdout: 'secret-from-stdin' })
  })

  it('stops a command past its bound and says which one and on which engine', async () => {
    const started = Date.now()
    const e = (await run('sleep', ['30'], { silent: true, timeoutMs: 200, env: { DOCKER_HOST: 'unix:///x.sock' } }).catch(
      (err: unknown) => err
    )) as CommandTimeout
    expect(e).toBeInstanceOf(CommandTimeout)
    expect(e.message).toMatch(/^sleep 30 did not finish in 0.2 s and was stopped; engine: unix:\/\/\/x.sock \(docker-host \/ DOCKER_HOST\)/)
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('keeps the whole output of a failure, multi-byte characters whole', async () => {
    const e = (await run('sh', ['-c', 'printf "ü%.0s" $(seq 1 70000) >&2; exit 3'], { silent: true }).catch(
      (err: unknown) => err
    )) as CommandError
    expect(e).toBeInstanceOf(CommandError)
    expect(e.exitCode).toBe(3)
    expect(e.stderr).toBe('ü'.repeat(70000))
  })
})
