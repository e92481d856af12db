// A small client for the Docker distribution registry HTTP API (v2) of the e2e environment
// (plain http on 127.0.0.1 with Basic auth), and the reader of the env file written by
// scripts/e2e-env.sh. What the tests import; the parts are in registry/: manifests.ts (media
// types, manifest and config shapes, platforms), client.ts (RegistryClient), token-registry.ts (the
// HTTPS registry with bearer-token auth) and e2e-env.ts (the
// env file and the clients, engines and step env it gives).
export { RegistryClient, RegistryError, type RegistryOptions } from './registry/client.js'
export {
  e2eStateDir,
  parseEnvFile,
  podmanStepEnv,
  readE2EEnv,
  registryClient,
  remoteDockerHost,
  requirePart,
  type E2EEnv,
  type RegistryEndpoint
} from './registry/e2e-env.js'
export {
  MANIFEST_MEDIA_TYPES,
  isAttestation,
  platformMatches,
  platformString,
  type Descriptor,
  type ImageConfig,
  type Manifest,
  type ManifestBody
} from './registry/manifests.js'
export { tokenRegistry, tokenRegistryManifest, tokenRegistryTags, type Login, type TokenRegistry } from './registry/token-registry.js'
