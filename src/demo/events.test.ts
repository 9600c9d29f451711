import { expect, test } from 'vitest';
import { generateEvents } from './events.ts';

const base = {
  startMs: Date.parse('2026-11-20T00:00:00Z'),
  endMs: Date.parse('2026-11-24T00:00:00Z'),
  pageViews: 500,
  orders: 200,
};

test('the same seed gives the same stream, another seed another one', () => {
  expect(generateEvents({ ...base, seed: 7 })).toEqual(generateEvents({ ...base, seed: 7 }));
  expect(generateEvents({ ...base, seed: 8 })).not.toEqual(generateEvents({ ...base, seed: 7 }));
});

test('duplicates repeat an order exactly, late events come last and are older than the lateness', () => {
  const records = generateEvents({
    ...base,
    seed: 3,
    duplicateRate: 0.1,
    lateRate: 0.05,
    latenessMs: 600_000,
  });
  const dups = records.filter((r) => r.duplicate);
  expect(dups.length).toBeGreaterThan(5);
  for (const d of dups)
    expect(records.filter((r) => r.key === d.key).map((r) => r.value)).toEqual([d.value, d.value]);
  const firstLate = records.findIndex((r) => r.late);
  expect(firstLate).toBeGreaterThan(0);
  expect(records.slice(firstLate).every((r) => r.late || r.duplicate)).toBe(true);
  expect(records.length).toBe(500 + 200 + dups.length);
});

test('event times stay inside the window and are Flink TIMESTAMP(3) text', () => {
  for (const r of generateEvents({ ...base, seed: 1 })) {
    expect(r.eventTimeMs).toBeGreaterThanOrEqual(base.startMs);
    expect(r.eventTimeMs).toBeLessThan(base.endMs);
    expect((r.value as { event_time: string }).event_time).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/,
    );
  }
});
