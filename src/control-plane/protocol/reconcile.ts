/**
 * Serving reconciled with the catalog (DESIGN §5, §6): the served version of a metric is recorded
 * in the Iceberg namespace's properties, and that version's publication says which (snapshot,
 * cutover) serving must show. Anything else serving shows (a deploy killed between a publish and
 * its switch, a stale scheduler's registration, a hand edit) is a difference to repair.
 */
import { ControlPlaneError } from '../errors.ts';
import type { UnionViewRegistration } from './ports.ts';
import type { Publication } from './publication.ts';

/** The deployment record in the namespace's properties: `lambdalake.served.<metric>` = version. */
export const SERVED_PREFIX = 'lambdalake.served.';

export type ShownUnion = UnionViewRegistration['union'];

/** Why what serving shows is not `publication` of `version`; null when it is. */
export function servingDifference(
  shown: ShownUnion | null,
  version: string,
  publication: Publication | null,
  /** The speed topic generation the catalog serves (speedGeneration.ts); unchecked when absent. */
  speedTopic?: string,
): string | null {
  if (!publication) return null;
  if (!shown) return `serving shows no view; version ${version} is published`;
  if (shown.version !== version)
    return `serving shows version ${shown.version}; the catalog serves ${version}`;
  if ((shown.batch.snapshotId || null) !== (publication.snapshotId || null))
    return `serving shows snapshot ${shown.batch.snapshotId || '(empty)'}; published is ${publication.snapshotId || '(empty)'}`;
  if (Date.parse(shown.batch.cutover) !== Date.parse(publication.cutover))
    return `serving shows cutover ${shown.batch.cutover}; published is ${publication.cutover}`;
  if (speedTopic !== undefined && shown.speed.topic !== speedTopic)
    return `serving reads speed topic ${shown.speed.topic}; the catalog serves ${speedTopic}`;
  return null;
}

export class StaleDefinitionsError extends ControlPlaneError {
  constructor(metric: string, loaded: string, served: string) {
    super(
      'stale-definitions',
      `${metric}: these definitions compile to version ${loaded}, but the catalog serves version ${served} (a deploy changed it after they were loaded); a batch cycle only ever registers the served version: reload the definitions (restart 'lambdalake run') or deploy these ones`,
      false,
    );
    this.name = 'StaleDefinitionsError';
  }
}

/** A cycle of `loaded` may register only when nothing else is served (or it is the switch itself). */
export function assertServedVersion(
  metric: string,
  loaded: string,
  served: string | null,
  switching: boolean,
): void {
  if (served !== null && served !== loaded && !switching)
    throw new StaleDefinitionsError(metric, loaded, served);
}
