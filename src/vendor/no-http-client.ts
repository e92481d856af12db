// Stands in for @actions/http-client in the bundles (tsconfig.json "paths"; used by ncc only).
// @actions/core imports it for getIDToken (OIDC) alone, which this action never calls; the real
// client drags in undici, about 460 KB of dist/ that every start of main and post would load.
// @actions/github (dist/github/, lazy/github.ts) asks it for the runner's proxy when it is
// imported: here there is none, and its requests go through Node's own fetch.
const unused = (): never => {
  throw new Error('docker-ship does not bundle @actions/http-client: OIDC tokens (core.getIDToken) are not supported')
}

export class HttpClient {
  /** No proxy agent: @actions/github then leaves the connection to Node's fetch. */
  getAgent(): undefined {
    return undefined
  }

  getAgentDispatcher(): undefined {
    return undefined
  }

  getJson(): never {
    return unused()
  }
}

export class BearerCredentialHandler {
  constructor() {
    unused()
  }
}
