/**
 * The images this step runs to set itself up for foreign platforms: `qemu-image`, the emulator
 * installer (what docker/setup-qemu-action runs), and `buildkit-image`, the BuildKit of the
 * docker-container builder made when the engine's own cannot build several platforms into one
 * image (what docker/setup-buildx-action makes). Parsed here; used by step/platform-setup.ts.
 */
import { InputError, show } from '../../shared/errors.js'

export interface SetupImages {
  /** The emulator installer image; '' when `qemu-image` is none (no emulator is registered by this step). */
  qemuImage: string
  buildkitImage: string
}

export const DEFAULT_QEMU_IMAGE = 'tonistiigi/binfmt:latest'
/** buildx's own default for the docker-container driver (bkimage.DefaultImage), what setup-buildx-action gets. */
export const DEFAULT_BUILDKIT_IMAGE = 'moby/buildkit:buildx-stable-1'

/** An image reference: [host[:port]/]path[:tag][@digest], lowercase path (docker's reference grammar, loosely). */
const IMAGE_REF =
  /^(?:[A-Za-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._-]+[a-z0-9]+|\/[a-z0-9]+)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/
const OFF = ['none', 'false', 'off']

function image(input: string, value: string, fallback: string, canBeOff: boolean): string {
  const v = value.trim()
  if (v === '') return fallback
  if (canBeOff && OFF.includes(v.toLowerCase())) return ''
  if (!IMAGE_REF.test(v)) {
    const off = canBeOff ? ', or none to register no emulator' : ''
    throw new InputError(`Input "${input}" is ${show(value)}: give an image reference such as ${fallback}${off}.`)
  }
  return v
}

export function readSetupImages(get: (name: string) => string): SetupImages {
  return {
    qemuImage: image('qemu-image', get('qemu-image'), DEFAULT_QEMU_IMAGE, true),
    buildkitImage: image('buildkit-image', get('buildkit-image'), DEFAULT_BUILDKIT_IMAGE, false)
  }
}
