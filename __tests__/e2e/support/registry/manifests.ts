// What the registry stores, as the tests read it: the manifest media types, manifests and
// indexes, image configs, and the platform of an entry ("os/arch[/variant]").

export const MANIFEST_MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
} as const

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string; variant?: string; 'os.version'?: string }
  annotations?: Record<string, string>
  [key: string]: unknown
}

export interface ManifestBody {
  schemaVersion: number
  mediaType?: string
  /** Index / manifest list. */
  manifests?: Descriptor[]
  /** Image manifest. */
  config?: Descriptor
  layers?: Descriptor[]
  annotations?: Record<string, string>
  [key: string]: unknown
}

export interface Manifest {
  /** From the Docker-Content-Digest header (else computed from the bytes). */
  digest: string
  /** Content-Type of the answer (else body.mediaType). */
  mediaType: string
  body: ManifestBody
  /** The exact bytes as text (the digest is over these). */
  raw: string
  /** sha256 of the bytes received. */
  computedDigest: string
  isIndex: boolean
}

export interface ImageConfig {
  architecture: string
  os: string
  variant?: string
  created?: string
  config?: {
    Labels?: Record<string, string> | null
    Env?: string[]
    Cmd?: string[] | null
    Entrypoint?: string[] | null
    WorkingDir?: string
    User?: string
    ExposedPorts?: Record<string, object>
    [key: string]: unknown
  }
  rootfs?: { type: string; diff_ids: string[] }
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>
  [key: string]: unknown
}

/** "os/arch[/variant]" of a descriptor platform or an image config. */
export function platformString(p: { os: string; architecture: string; variant?: string }): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`
}

/** Does descriptor/config platform `have` match the wanted "os/arch[/variant]"? A wanted value
 *  without variant matches any variant; arm64 without variant equals arm64/v8. */
export function platformMatches(have: { os: string; architecture: string; variant?: string }, wanted: string): boolean {
  const [os, arch, variant] = wanted.split('/')
  if (have.os !== os || have.architecture !== arch) return false
  if (!variant) return true
  const hv = have.variant ?? (have.architecture === 'arm64' ? 'v8' : undefined)
  return hv === variant
}

/** An index entry that is a BuildKit attestation (provenance/SBOM), not an image. */
export function isAttestation(d: Descriptor): boolean {
  return d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown'
}

/** An index / manifest list (by media type, else by shape). */
export function isIndexType(mediaType: string | undefined, body: ManifestBody): boolean {
  return (
    mediaType === MANIFEST_MEDIA_TYPES.ociIndex ||
    mediaType === MANIFEST_MEDIA_TYPES.dockerList ||
    (Array.isArray(body.manifests) && body.config === undefined)
  )
}
