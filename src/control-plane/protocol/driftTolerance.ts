/**
 * Whether the drift measured at a publish stays within what a metric's definition tolerates:
 * pure, so the rule `status --check` applies is readable and tested without services.
 *
 * A measure's tolerance is breached when the largest absolute difference of one window exceeds
 * `absolute`, the largest relative one (to a non-zero batch value) exceeds `relative`, or any window
 * exists on one side only (its whole value is the difference). Measures without a tolerance are
 * reported but never judged.
 */
import type { DriftTolerance } from '../definitions/schema.ts';
import type { DriftSummary } from './batchCycleStates.ts';

/** One line per measure whose drift is beyond its tolerance, naming the windows; empty when none. */
export function driftBeyondTolerance(
  metric: string,
  drift: DriftSummary | undefined,
  tolerances: Readonly<Record<string, DriftTolerance>>,
): string[] {
  if (!drift) return [];
  const oneSide = drift.windowsOnlySpeed + drift.windowsOnlyBatch;
  const problems: string[] = [];
  for (const m of drift.measures) {
    const tolerance = tolerances[m.measure];
    if (!tolerance) continue;
    const reasons: string[] = [];
    if (
      tolerance.absolute !== undefined &&
      m.maxAbsDiff !== null &&
      Number(m.maxAbsDiff) > tolerance.absolute
    )
      reasons.push(`largest |speed - batch| ${m.maxAbsDiff} > absolute ${tolerance.absolute}`);
    if (
      tolerance.relative !== undefined &&
      m.maxRelDiff !== null &&
      m.maxRelDiff > tolerance.relative
    )
      reasons.push(`largest relative difference ${m.maxRelDiff} > relative ${tolerance.relative}`);
    if (oneSide > 0)
      reasons.push(
        `${oneSide} window(s) on one side only (${drift.windowsOnlySpeed} speed, ${drift.windowsOnlyBatch} batch)`,
      );
    if (reasons.length === 0) continue;
    problems.push(
      `drift of ${metric}.${m.measure} at the publish of cutover ${drift.cutover} (windows from ${drift.previousCutover}) is beyond its tolerance: ${reasons.join('; ')}; ${m.windowsDiffering} of ${drift.windowsCompared} window(s) compared differ, e.g. ${m.examples.map(describeWindow).join(', ') || '(no example kept)'}`,
    );
  }
  return problems;
}

/** A window as `grain and keys (speed x, batch y)`, in the order serving reported its columns. */
function describeWindow(example: Record<string, unknown>): string {
  const { speed, batch, ...window } = example;
  const where = Object.entries(window)
    .map(([k, v]) => `${k}=${v === null ? 'NULL' : String(v)}`)
    .join(' ');
  return `[${where}] (speed ${show(speed)}, batch ${show(batch)})`;
}

function show(value: unknown): string {
  return value === null || value === undefined ? 'none' : String(value);
}

/** The tolerances a metric's measures declare, by measure name. */
export function toleranceByMeasure(
  measures: readonly { name: string; drift_tolerance?: DriftTolerance }[],
): Record<string, DriftTolerance> {
  return Object.fromEntries(
    measures.flatMap((m) => (m.drift_tolerance ? [[m.name, m.drift_tolerance] as const] : [])),
  );
}
