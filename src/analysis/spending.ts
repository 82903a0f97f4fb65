// When to take snapshots, and how much of alpha each look at them may spend, for
// a side measured sequentially (issue 16): at most `duration`, stopping as soon
// as the answer is known. Pure arithmetic on times; no I/O.
//
// The rule is Lan-DeMets error spending (Lan & DeMets 1983, "Discrete sequential
// boundaries for clinical trials", Biometrika 70(3):659-663) with the Pocock-type
// spending function alpha*(t) = alpha * ln(1 + (e - 1) t), where the information
// time t is the elapsed share of the longest measurement (Jennison & Turnbull 2000,
// "Group Sequential Methods with Applications to Clinical Trials", ch. 7). Each
// interim look tests at the increment alpha*(t_k) - alpha*(t_prev), so by the union
// bound the chance that any look rejects a healthy side is at most alpha whatever
// the correlation between looks: the exact joint law of Mann-Kendall statistics
// under a noise floor is not needed, and the number and timing of looks may vary.

/** First interval after S0: a 1 KiB/request leak is visible within a second or two. */
export const FIRST_INTERVAL_MS = 500
/** Each interval is this much longer than the one before (denser early). */
export const INTERVAL_GROWTH = 1.25
/** A last interval shorter than this share of its planned length is merged into the one before. */
const MERGE_SHARE = 0.5

/**
 * Due time of snapshot S_index (index >= 1), in ms after S0, for a side measured at
 * most maxDurationMs: intervals of FIRST_INTERVAL_MS growing by INTERVAL_GROWTH, the last
 * one landing exactly on maxDurationMs. Infinity past the last snapshot. Dense early
 * so a large leak is certain within seconds; sparse later so a long run does not pay
 * for a forced GC every half second (60 s gives 15 snapshots after S0, 600 s 26).
 */
export function snapshotDueMs(index: number, maxDurationMs: number): number {
  if (index < 1) return 0
  let due = 0
  let interval = FIRST_INTERVAL_MS
  for (let i = 1; i <= index; i++) {
    if (due >= maxDurationMs) return Infinity
    const next = due + interval
    due =
      next >= maxDurationMs || maxDurationMs - next < MERGE_SHARE * interval * INTERVAL_GROWTH
        ? maxDurationMs
        : next
    interval *= INTERVAL_GROWTH
  }
  return due
}

/** Every due time of the schedule, S1 to the last, in ms after S0. */
export function snapshotSchedule(maxDurationMs: number): number[] {
  const out: number[] = []
  for (let i = 1; ; i++) {
    const due = snapshotDueMs(i, maxDurationMs)
    if (!Number.isFinite(due)) return out
    out.push(due)
  }
}

/** alpha*(t): the share of alpha spent by information time t (elapsed / longest measurement). */
export function spentAlpha(t: number, alpha: number): number {
  const u = Math.min(1, Math.max(0, t))
  return alpha * Math.log(1 + (Math.E - 1) * u)
}

/** Level of an interim look at time t, the previous look being at prevT (0 for the first). */
export function lookAlpha(prevT: number, t: number, alpha: number): number {
  return Math.max(0, spentAlpha(t, alpha) - spentAlpha(prevT, alpha))
}

/**
 * Level the final analysis of a side must test its trends at (AnalysisOptions.alpha for
 * evaluateTrend), given the information time of the last interim look before the one it
 * stopped at (0 when none was taken): alpha - alpha*(prevT). A side that stops for a reason
 * that does not look at its heap (floor reached, max duration) may spend all that is left;
 * with the interim looks' increments the total stays at most alpha. The allocation comparison
 * is done once, at the end, and keeps the full alpha.
 */
export function finalAlpha(prevT: number, alpha: number): number {
  return alpha - spentAlpha(prevT, alpha)
}
