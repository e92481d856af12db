// Stands in for @actions/http-client in the bundle (tsconfig.json "paths"; used by ncc only).
// @actions/core imports it for getIDToken (OIDC) alone, which this action never calls; the real
// client drags in undici, about 460 KB of dist/ that every start of main and post would load.
const unused = (): never => {
  throw new Error('docker-ship does not bundle @actions/http-client: OIDC tokens (core.getIDToken) are not supported')
}

export class HttpClient {
  constructor() {
    unused()
  }
}

export class BearerCredentialHandler {
  constructor() {
    unused()
  }
}
