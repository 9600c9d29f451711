import { expect, test } from 'vitest';
import type { ProducedRecord } from './events.ts';
import { checkoutFunnel, dailyActiveUsers, hourlyRevenue } from './oracle.ts';

const pv = (
  id: string,
  user: string,
  country: string,
  action: 'view' | 'cart' | 'purchase',
  iso: string,
  late = false,
): ProducedRecord => ({
  source: 'page_views',
  key: id,
  value: { event_id: id, user_id: user, country, page: '/', action, event_time: iso },
  eventTimeMs: Date.parse(iso),
  late,
  duplicate: false,
});
const order = (
  id: string,
  product: string,
  amount: string,
  iso: string,
  duplicate = false,
): ProducedRecord => ({
  source: 'orders',
  key: id,
  value: { order_id: id, user_id: 'u1', product, amount, event_time: iso },
  eventTimeMs: Date.parse(iso),
  late: false,
  duplicate,
});

test('daily active users count each user once per day and country', () => {
  const records = [
    pv('a', 'u1', 'DE', 'view', '2026-11-20T10:00:00Z'),
    pv('b', 'u1', 'DE', 'cart', '2026-11-20T11:00:00Z'),
    pv('c', 'u2', 'DE', 'view', '2026-11-20T23:59:59Z'),
    pv('d', 'u1', 'DE', 'view', '2026-11-21T00:00:00Z'),
  ];
  expect(dailyActiveUsers(records)).toEqual([
    { day: '2026-11-20T00:00:00.000Z', country: 'DE', active_users: 2 },
    { day: '2026-11-21T00:00:00.000Z', country: 'DE', active_users: 1 },
  ]);
  expect(dailyActiveUsers(records, { before: Date.parse('2026-11-21T00:00:00Z') })).toHaveLength(1);
});

test('hourly revenue counts a duplicated order once, unless dedupe is off', () => {
  const records = [
    order('o1', 'mug', '8.99', '2026-11-20T10:05:00Z'),
    order('o1', 'mug', '8.99', '2026-11-20T10:05:00Z', true),
    order('o2', 'mug', '0.02', '2026-11-20T10:59:00Z'),
  ];
  expect(hourlyRevenue(records)).toEqual([
    { hour: '2026-11-20T10:00:00.000Z', product: 'mug', revenue: '9.01', orders: 2 },
  ]);
  expect(hourlyRevenue(records, {}, { dedupe: false })[0]?.revenue).toBe('18.00');
});

test('the funnel counts each step per hour and late events can be left out', () => {
  const records = [
    pv('a', 'u1', 'DE', 'view', '2026-11-20T10:00:00Z'),
    pv('b', 'u1', 'DE', 'purchase', '2026-11-20T10:30:00Z', true),
  ];
  expect(checkoutFunnel(records)).toEqual([
    { hour: '2026-11-20T10:00:00.000Z', product_views: 1, cart_views: 0, purchases: 1 },
  ]);
  expect(checkoutFunnel(records, { excludeLate: true })[0]?.purchases).toBe(0);
});
