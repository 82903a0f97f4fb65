// Decoding a pprof profile: gunzip within a size cap, the top level checked and
// split (framing.ts), the rest decoded by pprof-format, and the resolved model
// built (resolve.ts) with the samples read directly (samples.ts).
import { gunzipSync } from 'node:zlib'
import { Profile as PbProfile } from 'pprof-format'
import { ProfileError } from './profile-error.js'
import { formatExactBytes } from '../model/format.js'
import type { Profile } from '../model/profile.js'
import { DEFAULT_BUDGET, splitTopLevel, type ProfileBudget } from './framing.js'
import { resolve } from './resolve.js'

export { DEFAULT_BUDGET, type ProfileBudget } from './framing.js'

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024

export interface DecodeOptions {
  /** Cap on the gunzipped size, so a decompression bomb fails cleanly. Default 256 MiB. */
  maxDecompressedBytes?: number
  /** Caps on what one profile may hold (DEFAULT_BUDGET where not given). */
  budget?: Partial<ProfileBudget>
}

/**
 * Decodes a pprof profile (gzipped or not) into the resolved model of types.ts.
 * Every failure is a ProfileError with a one-line message.
 *
 * pprof-format decodes everything but the samples. Samples are most of a
 * profile's bytes and pprof-format allocates a Buffer view per varint there
 * (a 60k-sample heap profile took ~90% of its decode time in them), so they
 * are read here straight into stacks, with no intermediate objects.
 */
export function decodeProfile(bytes: Uint8Array, opts: DecodeOptions = {}): Profile {
  if (bytes.length === 0) throw new ProfileError('not a pprof profile: empty input')
  const raw = isGzip(bytes)
    ? gunzip(bytes, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES)
    : bytes
  if (raw.length === 0) throw new ProfileError('not a pprof profile: empty after gunzip')
  const { rest, samples } = splitTopLevel(raw, { ...DEFAULT_BUDGET, ...opts.budget })
  let pb: PbProfile
  try {
    pb = PbProfile.decode(rest)
  } catch (err) {
    throw new ProfileError(`not a pprof profile: ${errorText(err)}`, { cause: err })
  }
  try {
    return resolve(pb, raw, samples)
  } catch (err) {
    if (err instanceof ProfileError) throw err
    // A malformed nested message can surface as a TypeError deep in the resolver.
    throw new ProfileError(`malformed pprof profile: ${errorText(err)}`, { cause: err })
  }
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b
}

function gunzip(bytes: Uint8Array, max: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: max })
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProfileError(`decompressed size exceeds ${formatExactBytes(max)}`, { cause: err })
    }
    if (code === 'Z_BUF_ERROR') throw new ProfileError('truncated gzip', { cause: err })
    throw new ProfileError(`corrupt gzip: ${errorText(err)}`, { cause: err })
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
