import { expect, test } from 'vitest';
import {
  assertTransition,
  BATCH_CYCLE_STATES,
  BATCH_CYCLE_TRANSITIONS,
  readRunRecord,
  runRecordProperties,
  staleRunKeys,
  TERMINAL_STATES,
  type BatchRunRecord,
} from './batchCycleStates.ts';

test('the happy path is a chain of allowed transitions from choose-cutover to done', () => {
  const path = [
    'choose-cutover',
    'wait-ingestion',
    'run-batch',
    'validate',
    'publish',
    'register',
    'done',
  ] as const;
  for (let i = 1; i < path.length; i++)
    expect(() => assertTransition(path[i - 1]!, path[i]!)).not.toThrow();
});

test('skipping validation or leaving a terminal state is refused with what is allowed', () => {
  expect(() => assertTransition('run-batch', 'publish')).toThrow(
    "batch cycle cannot go from 'run-batch' to 'publish'; allowed: validate, failed",
  );
  expect(() => assertTransition('done', 'publish')).toThrow('allowed: none (terminal)');
});

test('every non-terminal state can fail, and only publish can end in conflict', () => {
  for (const state of BATCH_CYCLE_STATES) {
    if (TERMINAL_STATES.has(state)) continue;
    expect(BATCH_CYCLE_TRANSITIONS[state]).toContain('failed');
    expect(BATCH_CYCLE_TRANSITIONS[state].includes('conflict')).toBe(state === 'publish');
  }
});

test('a run record round-trips through table properties and stale keys are found', () => {
  const record: BatchRunRecord = {
    runId: 'r1',
    metric: 'daily_active_users',
    version: 'abcd1234',
    state: 'run-batch',
    startedAt: '2026-11-24T21:00:00.000Z',
    updatedAt: '2026-11-24T21:00:05.000Z',
    cutover: '2026-11-24T00:00:00.000Z',
    jobId: 'f46d443735ee7d6951126cc2e4b2b102',
  };
  const props = runRecordProperties(record);
  expect(props['lambdalake.run.state']).toBe('run-batch');
  expect(readRunRecord({ ...props, unrelated: 'x' })).toEqual(record);
  const next: BatchRunRecord = {
    ...record,
    runId: 'r2',
    state: 'choose-cutover',
    jobId: undefined,
    cutover: undefined,
  };
  expect(staleRunKeys(props, next).sort()).toEqual([
    'lambdalake.run.cutover',
    'lambdalake.run.jobId',
  ]);
  expect(readRunRecord({})).toBeNull();
});
