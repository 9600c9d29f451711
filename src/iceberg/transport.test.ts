import { describe, expect, test } from 'vitest';
import { IcebergCatalogClient } from './catalogClient.ts';

/** A catalog answering /v1/config and one table, with or without Content-Length (chunked). */
function fakeCatalog(chunked: boolean): typeof fetch {
  const table =
    '{"metadata-location":"file:/m.json","metadata":{"format-version":2,"table-uuid":"u","location":"file:/t","last-updated-ms":1,"last-column-id":1,"schemas":[],"current-schema-id":0,"partition-specs":[],"default-spec-id":0,"last-partition-id":0,"sort-orders":[],"default-sort-order-id":0,"current-snapshot-id":4046289431452496763,"snapshots":[{"snapshot-id":4046289431452496763,"timestamp-ms":1,"manifest-list":"file:/l.avro","summary":{"operation":"append"}}]}}';
  return (async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    const body = url.endsWith('/v1/config') ? '{"defaults":{},"overrides":{}}' : table;
    // A ReadableStream body is sent without Content-Length, as a chunked server response arrives.
    const stream = new ReadableStream({
      start: (c) => (c.enqueue(new TextEncoder().encode(body)), c.close()),
    });
    return new Response(chunked ? stream : body, {
      status: 200,
      headers: chunked
        ? { 'content-type': 'application/json' }
        : { 'content-type': 'application/json', 'content-length': String(body.length) },
    });
  }) as typeof fetch;
}

describe('int64 snapshot ids survive the transport', () => {
  for (const chunked of [false, true])
    test(`with${chunked ? 'out' : ''} Content-Length`, async () => {
      const client = new IcebergCatalogClient({
        url: 'http://catalog.test',
        fetchImpl: fakeCatalog(chunked),
      });
      const { metadata } = await client.loadTable({ namespace: ['ns'], name: 't' });
      expect(metadata['current-snapshot-id']).toBe(4046289431452496763n);
      expect(metadata.snapshots?.[0]?.['snapshot-id']).toBe(4046289431452496763n);
    });
});
