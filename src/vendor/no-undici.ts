// Stands in for undici in dist/github/ (tsconfig.json "paths"; used by ncc only): @actions/github
// imports its fetch for proxied requests, about 460 KB of bundle; Node's own fetch (undici inside
// Node) does the same without a proxy, which the stand-in http client never gives anyway.
export const fetch = globalThis.fetch
