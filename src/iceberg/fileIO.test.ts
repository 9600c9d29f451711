import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { localDataFiles, s3ClientConfig, SchemeFileIO } from './fileIO.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'fileio-test-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** An S3 stand-in answering GET /<bucket>/<key> (path style) from a map, recording each request. */
async function fakeS3(objects: Record<string, string>) {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    const body = objects[new URL(req.url ?? '/', 'http://s3').pathname];
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code><Message>no such key</Message></Error>');
      return;
    }
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { endpoint, requests, close: () => server.close() };
}

test('catalog properties configure S3 access as Iceberg S3FileIO reads them; absent ones are left to the SDK chain', () => {
  expect(
    s3ClientConfig({
      's3.endpoint': 'http://127.0.0.1:9000',
      's3.path-style-access': 'true',
      's3.access-key-id': 'key',
      's3.secret-access-key': 'secret',
      'client.region': 'eu-west-1',
    }),
  ).toEqual({
    endpoint: 'http://127.0.0.1:9000',
    forcePathStyle: true,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'key', secretAccessKey: 'secret' },
  });
  expect(s3ClientConfig({ warehouse: 's3://b/w', 's3.access-key-id': 'only-half' })).toEqual({});
});

test('data files on S3 are copied into the folder through the catalog-configured endpoint and keys; local ones stay where they are', async () => {
  const s3 = await fakeS3({
    '/lake/warehouse/ns/t/data/a.parquet': 'first',
    '/lake/warehouse/ns/u/data/a.parquet': 'second',
  });
  try {
    const io = new SchemeFileIO({
      's3.endpoint': s3.endpoint,
      's3.path-style-access': 'true',
      's3.access-key-id': 'lambdalake',
      's3.secret-access-key': 'lambdalake-local-s3',
      'client.region': 'us-east-1',
    });
    const local = join(folder, 'local.parquet');
    await writeFile(local, 'local');
    const paths = await localDataFiles(
      io,
      [
        's3://lake/warehouse/ns/t/data/a.parquet',
        `file:${local}`,
        's3a://lake/warehouse/ns/u/data/a.parquet',
      ],
      folder,
    );
    expect(paths).toEqual([join(folder, '0-a.parquet'), local, join(folder, '2-a.parquet')]);
    expect(await Promise.all(paths.map((p) => readFile(p, 'utf8')))).toEqual([
      'first',
      'local',
      'second',
    ]);
    expect(s3.requests).toHaveLength(2);
    for (const request of s3.requests)
      expect(request.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=lambdalake\/\d{8}\/us-east-1\/s3\//,
      );
  } finally {
    s3.close();
  }
});

test('a missing S3 object fails with the server’s own error', async () => {
  const s3 = await fakeS3({});
  try {
    const io = new SchemeFileIO({
      's3.endpoint': s3.endpoint,
      's3.path-style-access': 'true',
      's3.access-key-id': 'k',
      's3.secret-access-key': 's',
      'client.region': 'us-east-1',
    });
    await expect(
      io.localFile('s3://lake/gone.parquet', join(folder, 'gone.parquet')),
    ).rejects.toThrow(/no such key/);
  } finally {
    s3.close();
  }
});
