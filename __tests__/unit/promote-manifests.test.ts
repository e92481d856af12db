import { annotationLevels, digestOf, promotedConfig, promotedIndex, promotedManifest } from '../../src/plan/promote-manifests.js'

const OCI_M = 'application/vnd.oci.image.manifest.v1+json'
const json = (b: Buffer) => JSON.parse(b.toString('utf8'))
const buf = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2))

describe('the promoted config', () => {
  it("keeps the layers and history and puts the release's labels over the old ones", () => {
    const old = buf({
      architecture: 'amd64',
      rootfs: { type: 'layers', diff_ids: ['sha256:a', 'sha256:b'] },
      history: [{ created_by: 'RUN x' }],
      config: { Env: ['PATH=/bin'], Labels: { 'org.opencontainers.image.version': 'main', keep: 'me' } }
    })
    const now = json(promotedConfig(old, { 'org.opencontainers.image.version': '1.2.3' }))
    expect(now.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:a', 'sha256:b'] })
    expect(now.history).toEqual([{ created_by: 'RUN x' }])
    expect(now.config).toEqual({ Env: ['PATH=/bin'], Labels: { 'org.opencontainers.image.version': '1.2.3', keep: 'me' } })
  })

  it('adds labels to a config that had none', () => {
    expect(json(promotedConfig(buf({ config: { Labels: null } }), { a: 'b' })).config.Labels).toEqual({ a: 'b' })
  })
})

describe('the promoted manifest', () => {
  const layers = [{ mediaType: 'l', digest: 'sha256:l1', size: 10 }]
  it('points at the new config with the same layers, and carries manifest annotations', () => {
    const old = buf({ schemaVersion: 2, mediaType: OCI_M, config: { mediaType: 'c', digest: 'sha256:old', size: 1 }, layers })
    const now = json(promotedManifest(old, { digest: 'sha256:new', size: 2 }, { 'org.opencontainers.image.version': '1.2.3' }))
    expect(now.config).toEqual({ mediaType: 'c', digest: 'sha256:new', size: 2 })
    expect(now.layers).toEqual(layers)
    expect(now.annotations).toEqual({ 'org.opencontainers.image.version': '1.2.3' })
  })

  it('sets no annotation on a Docker schema 2 manifest, which has none', () => {
    const old = buf({ mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: 'x', size: 1 }, layers })
    expect(json(promotedManifest(old, { digest: 'y', size: 1 }, { a: 'b' })).annotations).toBeUndefined()
  })
})

describe('the promoted index', () => {
  it('points at the new manifests and re-points their attestations, with index annotations', () => {
    const old = buf({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: OCI_M, digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI_M, digest: 'sha256:arm', size: 1, platform: { os: 'linux', architecture: 'arm64' } },
        {
          mediaType: OCI_M,
          digest: 'sha256:att',
          size: 5,
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': 'sha256:arm' }
        }
      ]
    })
    const replaced = new Map([
      ['sha256:amd', { digest: 'sha256:amd2', size: 2 }],
      ['sha256:arm', { digest: 'sha256:arm2', size: 3 }]
    ])
    const now = json(promotedIndex(old, replaced, { index: { v: '1.2.3' }, manifestDescriptor: {} }))
    expect(now.manifests.map((m: { digest: string }) => m.digest)).toEqual(['sha256:amd2', 'sha256:arm2', 'sha256:att'])
    expect(now.manifests[1].size).toBe(3)
    expect(now.manifests[1].platform).toEqual({ os: 'linux', architecture: 'arm64' })
    expect(now.manifests[2].annotations['vnd.docker.reference.digest']).toBe('sha256:arm2')
    expect(now.annotations).toEqual({ v: '1.2.3' })
  })
})

describe('annotation levels', () => {
  it.each([
    ['a=1', { manifest: { a: '1' }, index: {}, manifestDescriptor: {} }],
    ['index:a=1', { manifest: {}, index: { a: '1' }, manifestDescriptor: {} }],
    ['manifest,index:a=b=c', { manifest: { a: 'b=c' }, index: { a: 'b=c' }, manifestDescriptor: {} }],
    ['manifest[linux/amd64]:a=1', { manifest: { a: '1' }, index: {}, manifestDescriptor: {} }],
    ['manifest-descriptor:a=1', { manifest: {}, index: {}, manifestDescriptor: { a: '1' } }]
  ])('reads %s', (line, levels) => {
    expect(annotationLevels([line])).toEqual(levels)
  })
})

it('digests bytes as sha256', () => {
  expect(digestOf(Buffer.from(''))).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
})
