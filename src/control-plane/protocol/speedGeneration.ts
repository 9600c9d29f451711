import { names } from '../compiler/names.ts';
import type { MetricRuntime } from './ports.ts';

/**
 * A speed job that starts without state (its checkpoints lost, or a JobManager restart forgot it)
 * recomputes its windows from the cutover on and emits partial values while it catches up. Written
 * into the topic serving reads, those would overwrite correct values. So such a start writes a new
 * generation of the speed topic, and union views keep reading the served generation until deploy
 * has seen the new job catch up (speedCatchUp.ts) and switched them.
 */

/** The generation union views register (batch table property; absent: 0). */
export const SPEED_GENERATION_PROPERTY = 'lambdalake.speed.generation';
/** The generation the running speed job writes; ahead of the served one while it catches up. */
export const SPEED_RUNNING_GENERATION_PROPERTY = 'lambdalake.speed.generation.running';

export interface SpeedGenerations {
  served: number;
  running: number;
}

export function speedGenerations(properties: Readonly<Record<string, string>>): SpeedGenerations {
  const served = generationValue(properties[SPEED_GENERATION_PROPERTY]);
  const running = generationValue(properties[SPEED_RUNNING_GENERATION_PROPERTY]);
  return { served, running: Math.max(served, running) };
}

function generationValue(text: string | undefined): number {
  const n = Number(text ?? 0);
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/** The runtime with the speed topic and consumer group of one generation. */
export function atSpeedGeneration(runtime: MetricRuntime, generation: number): MetricRuntime {
  const ns = runtime.batchTable.namespace;
  return {
    ...runtime,
    speedTopic: names.speedTopic(ns, runtime.metric, runtime.version, generation),
    speedGroupId: names.speedGroup(ns, runtime.metric, runtime.version, generation),
  };
}
