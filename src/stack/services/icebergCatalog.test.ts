import { expect, test } from 'vitest';
import { DEFAULT_PORTS } from '../ports.ts';
import { catalogEnvName, icebergCatalogUrl } from './icebergCatalog.ts';

test('clients reach the catalog on its bind host, on loopback when it binds the wildcard', () => {
  const url = (bindHost: string) => icebergCatalogUrl({ bindHost, ports: DEFAULT_PORTS });
  expect(url('127.0.0.1')).toBe('http://127.0.0.1:18181');
  expect(url('0.0.0.0')).toBe('http://127.0.0.1:18181');
  expect(url('::')).toBe('http://127.0.0.1:18181');
  expect(url('::1')).toBe('http://[::1]:18181');
});

test('catalog properties become the CATALOG_ variables the server maps back', () => {
  expect(catalogEnvName('io-impl')).toBe('CATALOG_IO__IMPL');
  expect(catalogEnvName('s3.path-style-access')).toBe('CATALOG_S3_PATH__STYLE__ACCESS');
  expect(catalogEnvName('s3.access-key-id')).toBe('CATALOG_S3_ACCESS__KEY__ID');
  expect(catalogEnvName('client.region')).toBe('CATALOG_CLIENT_REGION');
});
