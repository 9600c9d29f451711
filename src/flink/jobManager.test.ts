import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { FlinkJarRunError } from './errors.ts';
import { JobManagerClient } from './jobManager.ts';

// A stand-in JobManager: the jar endpoints answer as Flink 2.1's do (bodies copied from a real one).
const seen: { method: string; url: string; contentType: string; body: string }[] = [];
let server: Server;
let client: JobManagerClient;

const bodyOf = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString('latin1')));
    req.on('end', () => resolve(data));
  });

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    seen.push({
      method: req.method!,
      url: req.url!,
      contentType: req.headers['content-type'] ?? '',
      body,
    });
    res.setHeader('content-type', 'application/json');
    if (req.url === '/jars/upload') {
      res.end(JSON.stringify({ filename: '/tmp/flink-web/upload/abc_job.jar', status: 'success' }));
    } else if (req.url === '/jars/abc_job.jar/run' && body.includes('--table')) {
      res.statusCode = 400;
      res.end(
        JSON.stringify({
          errors: [
            'org.apache.flink.runtime.rest.handler.RestHandlerException: Could not execute application.\n\tat x\nCaused by: org.apache.flink.client.program.ProgramInvocationException: The main method caused an error: Table does not exist: ns.nope\nCaused by: org.apache.iceberg.exceptions.NoSuchTableException: Table does not exist: ns.nope\n\tat y',
          ],
        }),
      );
    } else if (req.url === '/jars/abc_job.jar/run') {
      res.end(JSON.stringify({ jobid: '81c41a0711c24895632f14b494f253e4' }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify({ errors: ['Not found'] }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  client = new JobManagerClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a jar is uploaded as the multipart field `jarfile` and known by the id Flink gives it', async () => {
  const jar = await client.uploadJar(new Uint8Array([0x50, 0x4b, 3, 4]), 'job.jar');
  expect(jar.id).toBe('abc_job.jar');
  const upload = seen.find((r) => r.url === '/jars/upload')!;
  expect(upload.contentType).toMatch(/^multipart\/form-data; boundary=/);
  expect(upload.body).toContain('name="jarfile"; filename="job.jar"');
  expect(upload.body).toContain('PK\x03\x04');
});

test('running a jar passes the entry class and arguments and returns the job id', async () => {
  const jobId = await client.runJar('abc_job.jar', {
    entryClass: 'a.Main',
    programArgs: ['--x', 'y z'],
  });
  expect(jobId).toBe('81c41a0711c24895632f14b494f253e4');
  const run = seen.filter((r) => r.url === '/jars/abc_job.jar/run').at(-1)!;
  expect(JSON.parse(run.body)).toEqual({ entryClass: 'a.Main', programArgsList: ['--x', 'y z'] });
});

test('a main() that throws becomes a FlinkJarRunError with Flink’s root cause and what was submitted', async () => {
  const failure = await client
    .runJar('abc_job.jar', { entryClass: 'a.Main', programArgs: ['--table', 'ns.nope'] })
    .catch((e: unknown) => e);
  expect(failure).toBeInstanceOf(FlinkJarRunError);
  const error = failure as FlinkJarRunError;
  expect(error.rootCause).toBe('NoSuchTableException: Table does not exist: ns.nope');
  expect(error.message).toContain('running a.Main --table ns.nope');
  expect(error.retriable).toBe(false);
});
