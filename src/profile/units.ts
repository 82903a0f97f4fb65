// Value formatting as pprof's internal/measurement does it, so a table we print
// reads like `go tool pprof -top` for the same profile.

interface Unit {
  name: string
  aliases: readonly string[]
  factor: number
}
interface UnitType {
  units: readonly Unit[]
  defaultUnit: Unit
}

const B: Unit = { name: 'B', aliases: ['b', 'byte'], factor: 1 }
const S: Unit = { name: 's', aliases: [], factor: 1e9 }
const UNIT_TYPES: readonly UnitType[] = [
  {
    units: [
      B,
      { name: 'kB', aliases: ['kb', 'kbyte', 'kilobyte'], factor: 2 ** 10 },
      { name: 'MB', aliases: ['mb', 'mbyte', 'megabyte'], factor: 2 ** 20 },
      { name: 'GB', aliases: ['gb', 'gbyte', 'gigabyte'], factor: 2 ** 30 },
      { name: 'TB', aliases: ['tb', 'tbyte', 'terabyte'], factor: 2 ** 40 },
      { name: 'PB', aliases: ['pb', 'pbyte', 'petabyte'], factor: 2 ** 50 },
    ],
    defaultUnit: B,
  },
  {
    units: [
      { name: 'ns', aliases: ['ns', 'nanosecond'], factor: 1 },
      { name: 'us', aliases: ['μs', 'us', 'microsecond'], factor: 1e3 },
      { name: 'ms', aliases: ['ms', 'millisecond'], factor: 1e6 },
      { name: 's', aliases: ['s', 'sec', 'second'], factor: 1e9 },
      { name: 'hrs', aliases: ['hour', 'hr'], factor: 3600e9 },
    ],
    defaultUnit: S,
  },
]

function sniff(ut: UnitType, unit: string): Unit | undefined {
  let u = unit.toLowerCase()
  if (u.length > 2 && u.endsWith('s')) u = u.slice(0, -1)
  return ut.units.find((x) => x.aliases.includes(u))
}

/** measurement.Scale: value in `from` expressed in `to` ("minimum"/"auto" pick a readable unit). */
export function scale(value: number, from: string, to: string): [number, string] {
  if (value < 0) {
    const [v, u] = scale(-value, from, to)
    return [-v, u]
  }
  for (const ut of UNIT_TYPES) {
    const fromUnit = sniff(ut, from)
    if (!fromUnit) continue
    const v = value * fromUnit.factor
    if (to === 'minimum' || to === 'auto') {
      let best: Unit | undefined
      for (const u of ut.units) if ((!best || u.factor >= best.factor) && v / u.factor >= 1) best = u
      if (best) return [v / best.factor, best.name]
      return [v / ut.defaultUnit.factor, ut.defaultUnit.name]
    }
    const toUnit = sniff(ut, to) ?? ut.defaultUnit
    return [v / toUnit.factor, toUnit.name]
  }
  return ['count', 'sample', 'unit', 'minimum', 'auto'].includes(to) ? [value, ''] : [value, to]
}

/** measurement.ScaledLabel: "1.50MB", "-32kB", "0". */
export function scaledLabel(value: number, from: string, to: string): string {
  const [v, u] = scale(value, from, to)
  const s = formatFixed(v, 2).replace(/\.00$/, '')
  if (s === '0' || s === '-0') return '0'
  return s + u
}

/**
 * The unit pprof's -top picks for a whole table (report.selectOutputUnit): that
 * of the smallest non-zero value, unless it is more than 100 times smaller than
 * the total, in which case the unit that shows it as 0.01 or more.
 */
export function selectOutputUnit(
  rows: readonly { flat: number; cum: number }[],
  total: number,
  sampleUnit: string,
): string {
  let min = 0
  for (const r of rows) {
    let v = Math.abs(r.flat)
    if (v === 0) v = Math.abs(r.cum)
    if (v > 0 && (min === 0 || v < min)) min = v
  }
  const max = total
  if (min === 0) min = max
  const minUnit = scale(min, sampleUnit, 'minimum')[1]
  const maxUnit = scale(max, sampleUnit, 'minimum')[1]
  let unit = minUnit
  if (minUnit !== maxUnit && min * 100 < max) unit = scale(100 * min, sampleUnit, 'minimum')[1]
  return unit || sampleUnit
}

/** measurement.Percentage: "  100%", "12.34%", "0.039%". */
export function percentage(value: number, total: number): string {
  const ratio = total !== 0 ? Math.abs(value / total) * 100 : 0
  if (ratio >= 99.95 && ratio <= 100.05) return '  100%'
  if (ratio >= 1) return `${formatFixed(ratio, 2).padStart(5)}%`
  return `${formatG2(ratio).padStart(5)}%`
}

/**
 * Go's %.Nf: rounds the exact binary value, ties to even. JavaScript's toFixed
 * rounds exact ties up (1.125 → "1.13", Go prints "1.12"), and such ties are
 * common here: kB values are multiples of 1/1024.
 */
export function formatFixed(x: number, decimals: number): string {
  const s = x.toFixed(decimals)
  const tie = exactTie(Math.abs(x), decimals)
  if (tie === undefined) return s
  const digits = tie.toString().padStart(decimals + 1, '0')
  const body = decimals > 0 ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits
  return x < 0 ? `-${body}` : body
}

/**
 * When x lies exactly halfway between two numbers of `decimals` decimals, the
 * even one scaled by 10^decimals; else undefined. An exact tie needs
 * x·2^(decimals+1) to be an integer, which is exactly computable.
 */
function exactTie(x: number, decimals: number): bigint | undefined {
  const p = 2 ** (decimals + 1)
  const y = x * p
  if (!Number.isInteger(y) || !Number.isSafeInteger(y)) return undefined
  const n = BigInt(y) * 5n ** BigInt(decimals + 1) // x · 10^(decimals+1), exactly
  if (n % 10n !== 5n) return undefined
  const q = n / 10n
  return q % 2n === 0n ? q : q + 1n
}

/** Go's %.2g for 0 <= x < 1 (and beyond): two significant digits, no trailing zeros. */
export function formatG2(x: number): string {
  if (x === 0) return '0'
  let exp = Math.floor(Math.log10(Math.abs(x)))
  // Rounding to two significant digits can carry into the next power of ten (0.0996 → 0.1).
  const rounded = Number(formatFixed(x / 10 ** exp, 1))
  if (Math.abs(rounded) >= 10) exp++
  if (exp < -4 || exp >= 2) {
    const m = formatFixed(x / 10 ** exp, 1).replace(/\.0$/, '')
    const e = Math.abs(exp).toString().padStart(2, '0')
    return `${m}e${exp < 0 ? '-' : '+'}${e}`
  }
  const s = formatFixed(x, Math.max(0, 1 - exp))
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s
}
