import { expect, test } from 'vitest';
import { DEFAULT_PORTS } from '../ports.ts';
import { icebergCatalogUrl } from './icebergCatalog.ts';

test('clients reach the catalog on its bind host, on loopback when it binds the wildcard', () => {
  const url = (bindHost: string) => icebergCatalogUrl({ bindHost, ports: DEFAULT_PORTS });
  expect(url('127.0.0.1')).toBe('http://127.0.0.1:18181');
  expect(url('0.0.0.0')).toBe('http://127.0.0.1:18181');
  expect(url('::')).toBe('http://127.0.0.1:18181');
  expect(url('::1')).toBe('http://[::1]:18181');
});
