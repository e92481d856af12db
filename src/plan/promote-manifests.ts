/**
 * Release promotion, the manifests: a new image config from the old one (the release's labels, the
 * same layers and history), the manifest pointing at it, and the index pointing at the new
 * manifests, with the release's annotations. Pure: bytes in, bytes out.
 */
import { createHash } from 'node:crypto'

export const INDEX_TYPES = ['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']
export const MANIFEST_TYPES = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v2+json']
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os?: string; architecture?: string; variant?: string }
  annotations?: Record<string, string>
}

export interface ManifestJson {
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
  annotations?: Record<string, string>
}

export interface IndexJson {
  mediaType?: string
  manifests: Descriptor[]
  annotations?: Record<string, string>
}

export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest'
}

export function platformOf(d: Descriptor): string {
  const p = d.platform
  return p ? [p.os, p.architecture, p.variant].filter(Boolean).join('/') : ''
}

/** The `annotations` input by level, as buildx reads it (no prefix: the manifest). */
export interface AnnotationLevels {
  manifest: Record<string, string>
  index: Record<string, string>
  manifestDescriptor: Record<string, string>
}

export function annotationLevels(lines: string[]): AnnotationLevels {
  const out: AnnotationLevels = { manifest: {}, index: {}, manifestDescriptor: {} }
  for (const line of lines) {
    const eq = line.indexOf('=')
    const head = line.slice(0, eq)
    const colon = head.indexOf(':')
    // `manifest,index:key=value`; a `[platform]` qualifier is applied to every platform.
    const levels =
      colon < 0
        ? ['manifest']
        : head
            .slice(0, colon)
            .split(',')
            .map(l => l.replace(/\[[^\]]*\]$/, ''))
    const key = colon < 0 ? head : head.slice(colon + 1)
    const value = line.slice(eq + 1)
    for (const level of levels) {
      if (level === 'manifest') out.manifest[key] = value
      else if (level === 'index') out.index[key] = value
      else if (level === 'manifest-descriptor') out.manifestDescriptor[key] = value
    }
  }
  return out
}

/** The old config with the release's labels over its own: same layers (rootfs) and history. */
export function promotedConfig(config: Buffer, labels: Record<string, string>): Buffer {
  const json = JSON.parse(config.toString('utf8')) as { config?: { Labels?: Record<string, string> | null } }
  json.config = { ...json.config, Labels: { ...(json.config?.Labels ?? {}), ...labels } }
  return Buffer.from(JSON.stringify(json))
}

/** The old manifest pointing at the new config (same layers), with the release's manifest annotations (OCI only). */
export function promotedManifest(manifest: Buffer, config: { digest: string; size: number }, annotations: Record<string, string>): Buffer {
  const json = JSON.parse(manifest.toString('utf8')) as ManifestJson
  json.config = { ...json.config, digest: config.digest, size: config.size }
  if (Object.keys(annotations).length > 0 && (json.mediaType ?? OCI_MANIFEST) === OCI_MANIFEST) {
    json.annotations = { ...(json.annotations ?? {}), ...annotations }
  }
  return Buffer.from(JSON.stringify(json))
}

/**
 * The old index pointing at the new manifests (`replaced`: old digest -> new descriptor); attestation
 * manifests are kept and re-pointed at the manifest they describe.
 */
export function promotedIndex(
  index: Buffer,
  replaced: Map<string, { digest: string; size: number }>,
  levels: Pick<AnnotationLevels, 'index' | 'manifestDescriptor'>
): Buffer {
  const json = JSON.parse(index.toString('utf8')) as IndexJson
  json.manifests = json.manifests.map(d => {
    const now = replaced.get(d.digest)
    if (now) {
      const annotations = { ...(d.annotations ?? {}), ...levels.manifestDescriptor }
      return { ...d, digest: now.digest, size: now.size, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) }
    }
    const subject = d.annotations?.['vnd.docker.reference.digest']
    const moved = subject ? replaced.get(subject) : undefined
    if (isAttestation(d) && moved) return { ...d, annotations: { ...d.annotations, 'vnd.docker.reference.digest': moved.digest } }
    return d
  })
  if (Object.keys(levels.index).length > 0 && (json.mediaType ?? OCI_INDEX) === OCI_INDEX) {
    json.annotations = { ...(json.annotations ?? {}), ...levels.index }
  }
  return Buffer.from(JSON.stringify(json))
}
