// dist/yaml/index.js: the YAML parser as a bundle of its own, loaded by main only for the runs
// that read YAML (see plan/inputs/yaml-parser.ts).
export { parse } from 'yaml'
