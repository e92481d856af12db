// The registry seen from outside the engine: its HTTP API (manifests), the blob uploads in its
// access log, and the size of its storage.
import { Buffer } from 'node:buffer'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as path from 'node:path'
import { BASE_ENV, run } from './proc.mjs'

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

export function registryRequest(reg, method, urlPath) {
  return new Promise((resolve, reject) => {
    const [hostname, port] = reg.host.split(':')
    const req = http.request(
      {
        hostname,
        port: Number(port || 80),
        path: urlPath,
        method,
        timeout: 30_000,
        headers: {
          Accept: MANIFEST_ACCEPT,
          Authorization: `Basic ${Buffer.from(`${reg.user}:${reg.password}`).toString('base64')}`
        }
      },
      res => {
        const chunks = []
        res.on('data', c => chunks.push(c))
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
      }
    )
    req.on('timeout', () => req.destroy(new Error(`registry ${method} ${urlPath} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** The image manifest at repo:ref (an index's first image entry that is not an attestation). */
export async function imageManifest(reg, repo, ref) {
  const get = async r => {
    const res = await registryRequest(reg, 'GET', `/v2/${repo}/manifests/${r}`)
    if (res.status !== 200) throw new Error(`GET /v2/${repo}/manifests/${r}: HTTP ${res.status} ${res.body.slice(0, 200)}`)
    return JSON.parse(res.body)
  }
  const m = await get(ref)
  if (!Array.isArray(m.manifests)) return m
  const image = m.manifests.find(
    d => d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest' && d.platform?.os !== 'unknown'
  )
  if (!image) throw new Error(`${repo}:${ref} is an index with no image`)
  return get(image.digest)
}

/** Digests of the blobs uploaded to `repo` (PUT ...digest=sha256%3A<hex> answered 201) after byte `from` of the registry log. */
export function uploadsSince(logFile, from, repo) {
  const size = fs.statSync(logFile).size
  const fd = fs.openSync(logFile, 'r')
  const buf = Buffer.alloc(Math.max(0, size - from))
  try {
    fs.readSync(fd, buf, 0, buf.length, from)
  } finally {
    fs.closeSync(fd)
  }
  const esc = repo.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const re = new RegExp(`"PUT /v2/${esc}/blobs/uploads/[^ ]*digest=sha256%3A([0-9a-f]{64})[^"]*" 201`, 'g')
  return [...buf.toString('utf8').matchAll(re)].map(m => `sha256:${m[1]}`)
}

/** Bytes under the registry's storage folder (scripts/e2e-env.sh layout), or null. */
export async function registryDiskBytes(ctx) {
  const dir = path.join(path.dirname(ctx.reg.log), path.basename(ctx.reg.log, '.log'), 'data')
  if (!fs.existsSync(dir)) return null
  const r = await run('du', ['-sb', dir], { env: BASE_ENV(), timeoutMs: 60_000 })
  return r.code === 0 ? Number(r.stdout.split(/\s/)[0]) : null
}
