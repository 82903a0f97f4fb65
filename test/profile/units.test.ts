import { describe, expect, it } from 'vitest'
import { formatFixed, formatG2, percentage, scaledLabel, selectOutputUnit } from '../../src/profile/units.js'

// Expected strings printed by Go's fmt (go1.26), the formatting pprof uses.
describe('number formatting agrees with Go fmt', () => {
  it.each([
    [1.125, '1.12'],
    [0.125, '0.12'],
    [2.675, '2.67'],
    [0.375, '0.38'],
    [-1.125, '-1.12'],
    [1023.995, '1024.00'],
    [1.005, '1.00'],
    [2.5, '2.50'],
    [0.015, '0.01'],
    [12.345, '12.35'],
    [100, '100.00'],
  ])('%%.2f of %s is %s (ties to even on the exact binary value)', (v, go) => {
    expect(formatFixed(v, 2)).toBe(go)
  })

  it.each([
    [0.0995, '  0.1%'],
    [1.234e-5, '1.2e-05%'],
    [0.05, ' 0.05%'],
    [0.95, ' 0.95%'],
    [0.999, '    1%'],
    [0.125, ' 0.12%'],
    [0.0028, '0.0028%'],
    [0.00125, '0.0013%'],
    [0.000125, '0.00013%'],
    [0.5, '  0.5%'],
    [0, '    0%'],
  ])('%%5.2g%% of %s is %j', (v, go) => {
    expect(`${formatG2(v).padStart(5)}%`).toBe(go)
  })
})

describe('pprof measurement helpers', () => {
  it('labels values as measurement.ScaledLabel does', () => {
    expect(scaledLabel(1056768, 'bytes', 'kB')).toBe('1032kB')
    expect(scaledLabel(-32768, 'bytes', 'kB')).toBe('-32kB')
    expect(scaledLabel(1152, 'bytes', 'kB')).toBe('1.12kB')
    expect(scaledLabel(0, 'bytes', 'MB')).toBe('0')
    expect(scaledLabel(300_000_000, 'nanoseconds', 'ms')).toBe('300ms')
    expect(scaledLabel(7, 'count', 'count')).toBe('7')
    expect(scaledLabel(3 << 20, 'bytes', 'auto')).toBe('3MB')
  })

  it('prints percentages as measurement.Percentage does', () => {
    expect(percentage(1, 1)).toBe('  100%')
    expect(percentage(-2116224, 1140856)).toBe('185.49%')
    expect(percentage(1, 3)).toBe('33.33%')
    expect(percentage(5, 0)).toBe('    0%')
  })

  it('picks one unit per table from the smallest value, as report.selectOutputUnit does', () => {
    expect(
      selectOutputUnit(
        [
          { flat: 2 << 20, cum: 2 << 20 },
          { flat: 0, cum: 4096 },
        ],
        3 << 20,
        'bytes',
      ),
    ).toBe('kB')
    expect(
      selectOutputUnit(
        [
          { flat: 2 << 20, cum: 2 << 20 },
          { flat: 16, cum: 16 },
        ],
        3 << 20,
        'bytes',
      ),
    ).toBe('kB')
    expect(selectOutputUnit([{ flat: 2 << 20, cum: 2 << 20 }], 3 << 20, 'bytes')).toBe('MB')
    expect(selectOutputUnit([{ flat: 3, cum: 3 }], 10, 'count')).toBe('count')
  })
})
