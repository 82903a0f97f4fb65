import { ProfileError } from './profile-error.js'
import type { Profile, ValueType } from '../model/profile.js'

/**
 * Index of the sample type called `name` in profile.sampleTypes. Values are
 * always picked by name: Go's heap profile order is an implementation detail.
 */
export function valueIndex(profile: Profile, name: string): number {
  const i = profile.sampleTypes.findIndex((t) => t.type === name)
  if (i < 0) {
    const has = profile.sampleTypes.map((t) => t.type).join(', ')
    throw new ProfileError(`profile has no ${name} sample type (has: ${has || 'none'})`)
  }
  return i
}

export function hasSampleType(profile: Profile, name: string): boolean {
  return profile.sampleTypes.some((t) => t.type === name)
}

export function sampleType(profile: Profile, name: string): ValueType {
  return profile.sampleTypes[valueIndex(profile, name)]!
}

/**
 * The sample type a report shows when none is asked for, as pprof picks it:
 * the profile's default_sample_type, else the last one (inuse_space for a Go
 * heap profile, cpu for a CPU profile).
 */
export function defaultSampleType(profile: Profile): string {
  if (profile.defaultSampleType && hasSampleType(profile, profile.defaultSampleType)) {
    return profile.defaultSampleType
  }
  const last = profile.sampleTypes[profile.sampleTypes.length - 1]
  if (!last) throw new ProfileError('profile has no sample types')
  return last.type
}
