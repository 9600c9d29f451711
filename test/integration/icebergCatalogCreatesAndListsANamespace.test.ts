import { expect, test } from 'vitest';
import { stackEndpoints } from './stack.ts';

test('a namespace created over the Iceberg REST API is listed and loadable', async () => {
  const base = `${stackEndpoints().icebergCatalogUrl}/v1`;
  const name = `smoke_ns_${Date.now()}`;
  const created = await fetch(`${base}/namespaces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ namespace: [name], properties: { owner: 'smoke-test' } }),
  });
  expect(created.status).toBe(200);

  const listed = (await (await fetch(`${base}/namespaces`)).json()) as { namespaces: string[][] };
  expect(listed.namespaces).toContainEqual([name]);

  const loaded = (await (await fetch(`${base}/namespaces/${name}`)).json()) as {
    properties: Record<string, string>;
  };
  expect(loaded.properties.owner).toBe('smoke-test');
});
