// Seeing what the action asks of the engine: a `docker` shim first on PATH that notes every call
// (argv, start, end), a proxy socket that notes API requests made without the CLI, and the
// timelines of a step built from the shim's calls.
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import { round } from './common.mjs'
import { rmrf, tempDir, wallNs } from './proc.mjs'

/**
 * A `docker` shim: notes the wall clock (ns) and the exact argv (NUL-separated) of every call in
 * its own file `<calls>/<ns>.<pid>`, runs the real docker, then notes when it ended
 * (`<ns>.<pid>.end`) and exits with its code. The shell costs a few ms per call.
 */
export function makeShim(real) {
  const dir = tempDir('shim')
  const calls = path.join(dir, 'calls')
  fs.mkdirSync(calls)
  const q = s => `'${s.replace(/'/g, `'\\''`)}'`
  fs.writeFileSync(
    path.join(dir, 'docker'),
    [
      '#!/bin/sh',
      't=$(date +%s%N)',
      `f=${q(calls)}/"$t.$$"`,
      `printf '%s\\0' "$@" > "$f"`,
      `${q(real)} "$@"`,
      'rc=$?',
      'date +%s%N > "$f.end"',
      'exit $rc',
      ''
    ].join('\n'),
    { mode: 0o755 }
  )
  return {
    dir,
    docker: path.join(dir, 'docker'),
    reset() {
      for (const f of fs.readdirSync(calls)) fs.rmSync(path.join(calls, f))
    },
    /** Calls in start order: { ns, endNs (null while running), ms, name, argv }. */
    calls() {
      return fs
        .readdirSync(calls)
        .filter(f => !f.endsWith('.end'))
        .map(f => {
          const argv = fs.readFileSync(path.join(calls, f), 'utf8').split('\0')
          argv.pop()
          const ns = BigInt(f.split('.')[0])
          let endNs = null
          try {
            endNs = BigInt(fs.readFileSync(path.join(calls, `${f}.end`), 'utf8').trim())
          } catch {
            /* still running, or killed */
          }
          return { ns, endNs, ms: endNs === null ? null : Number(endNs - ns) / 1e6, name: commandName(argv), argv }
        })
        .sort((a, b) => (a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0))
    }
  }
}

/** `login`, `logout`, `buildx build`, `buildx inspect`, `version`: what a docker call is, for a breakdown. */
const commandName = argv =>
  (argv[0] === 'buildx' || argv[0] === 'image' || argv[0] === 'builder' ? argv.slice(0, 2) : argv.slice(0, 1)).join(' ')

/**
 * A unix socket in front of the engine's, for DOCKER_HOST: notes when each connection opens and
 * its first request line, so that an engine request the action makes without the docker CLI (its
 * `GET /info` probe) is timed like a CLI command is by the shim. Bytes are passed on untouched.
 */
export async function startEngineProxy() {
  const host = process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'
  if (!host.startsWith('unix://')) throw new Error(`the startup section needs a unix:// engine (DOCKER_HOST is ${host})`)
  const target = host.slice('unix://'.length)
  const dir = tempDir('engine-proxy')
  const socket = path.join(dir, 'engine.sock')
  const connections = []
  const server = net.createServer(client => {
    const record = { ns: wallNs(), request: null }
    connections.push(record)
    const upstream = net.connect(target)
    client.once('data', d => (record.request = d.toString('latin1').split('\r\n')[0]))
    client.pipe(upstream)
    upstream.pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise((resolve, reject) => server.once('error', reject).listen(socket, resolve))
  return {
    address: `unix://${socket}`,
    /** Connections in open order: { ns, request }. */
    connections: () => [...connections].sort((a, b) => (a.ns < b.ns ? -1 : 1)),
    reset: () => (connections.length = 0),
    close: async () => {
      await new Promise(resolve => server.close(resolve))
      rmrf(dir)
    }
  }
}

/**
 * Where one step's time went, from the shim's calls: spawn -> first command, each command, the
 * gaps between them, last command's end -> exit. `outsideMs` is everything but the commands.
 */
function stepTimeline(calls, startNs, elapsedMs) {
  const endNs = startNs + BigInt(Math.round(elapsedMs * 1e6))
  const d = (x, y) => round(Number(y - x) / 1e6)
  const commands = calls.map(c => ({ name: c.name, ms: round(c.ms ?? d(c.ns, endNs)) }))
  const gaps = calls.slice(1).map((c, i) => d(calls[i].endNs ?? calls[i].ns, c.ns))
  const last = calls.at(-1)
  const commandMs = commands.reduce((s, c) => s + c.ms, 0)
  return {
    firstCommandMs: last ? d(startNs, calls[0].ns) : null,
    commands,
    gapsMs: gaps,
    tailMs: last ? d(last.endNs ?? last.ns, endNs) : null,
    commandMs: round(commandMs),
    outsideMs: round(elapsedMs - commandMs)
  }
}

/** The timelines of an action run (main and post) from its shim. */
export function actionTimeline(shim, a) {
  const calls = shim.calls()
  const postStart = a.post.wallStartNs
  return {
    main: stepTimeline(
      calls.filter(c => c.ns < postStart),
      a.main.wallStartNs,
      a.main.ms
    ),
    post: stepTimeline(
      calls.filter(c => c.ns >= postStart),
      postStart,
      a.post.ms
    )
  }
}

/** The argv (after `docker`) of the one `buildx build` the shim saw, checked against the action's `[command]` line. */
export function capturedBuildArgv(shim, action) {
  const builds = shim.calls().filter(c => c.argv[0] === 'buildx' && c.argv[1] === 'build')
  if (builds.length !== 1) throw new Error(`expected one buildx build call, the shim saw ${builds.length}`)
  const argv = builds[0].argv
  // The action logs the command as it runs it: `docker`, found on PATH (the shim, first there).
  const expected = `[command]docker ${argv.join(' ')}`
  if (action.buildLine !== expected && action.buildLine !== `[command]${shim.docker} ${argv.join(' ')}`) {
    throw new Error(`the shim's argv does not match the action's log line:\n  log:  ${action.buildLine}\n  shim: ${expected}`)
  }
  return argv
}
