import { expect, test } from 'vitest';
import { readsTable } from './sqlShape.ts';

test('a table read is found outside strings only, also as a window TVF argument', () => {
  expect(readsTable('SELECT 1 FROM page_views p', 'page_views')).toBe(true);
  expect(readsTable("SELECT 'FROM orders' FROM page_views", 'orders')).toBe(false);
  expect(
    readsTable("FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(t), INTERVAL '1' HOUR))", 'orders'),
  ).toBe(true);
});
