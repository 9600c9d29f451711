/**
 * The dimensions of a batch cycle (issue 17 item 3): at T0 the cycle reads each joined
 * dimension's log end with the fact's; before the batch runs it pins each dimension's master right
 * after the fact master, each once the completeness proof shows it holds every record up to that
 * log end (provenSnapshot.ts). The run record keeps both (JSON by dimension name), so a resumed run
 * reads the same dimension rows and `maintain` keeps those snapshots while the run is in flight.
 */
import { ControlPlaneError } from '../errors.ts';
import { formatOffsets, parseOffsets } from './ingestionProgress.ts';
import type { BatchRunRecord } from './batchCycleStates.ts';
import type { LogOffsets, MetricRuntime } from './ports.ts';
import { pinProvenSnapshot, type ProofDeps } from './provenSnapshot.ts';

/** The dimensions' log ends at T0 as the run record keeps them; undefined without dimensions. */
export async function dimensionLogEnds(
  metric: MetricRuntime,
  log: LogOffsets,
): Promise<string | undefined> {
  if (!metric.dimensions?.length) return undefined;
  const ends: Record<string, string> = {};
  for (const d of metric.dimensions) ends[d.name] = formatOffsets(await log.logEnd(d.topic));
  return JSON.stringify(ends);
}

/**
 * Pins each joined dimension's master (right after the fact master), each by the completeness
 * proof up to its own log end at T0: JSON of name to snapshot id ('' for an empty one), as the run
 * record keeps them; undefined without dimensions.
 */
export async function pinDimensions(
  metric: MetricRuntime,
  record: BatchRunRecord,
  deps: ProofDeps,
  say: (message: string) => void,
): Promise<string | undefined> {
  if (!metric.dimensions?.length) return undefined;
  const ends = readJson(record.dimensionOffsetsAtT0, 'dimensionOffsetsAtT0');
  const pins: Record<string, string> = {};
  for (const d of metric.dimensions) {
    const pinned = await pinProvenSnapshot(
      deps,
      { ...d, master: d.masterTable },
      parseOffsets(ends[d.name] ?? ''),
      (m) => say(`dimension ${d.name}: ${m}`),
    );
    pins[d.name] = pinned.snapshotId;
  }
  return JSON.stringify(pins);
}

/** The pinned dimension snapshots of a run record, by dimension name. */
export function dimensionSnapshotsOf(
  record: Pick<BatchRunRecord, 'dimensionSnapshotIds'>,
): Record<string, string> {
  return readJson(record.dimensionSnapshotIds, 'dimensionSnapshotIds');
}

function readJson(text: string | undefined, field: string): Record<string, string> {
  if (!text) return {};
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
  } catch {
    // reported below
  }
  throw new ControlPlaneError(
    'bad-input',
    `run record field ${field} is '${text}': expected a JSON object of dimension name to value`,
    false,
  );
}
