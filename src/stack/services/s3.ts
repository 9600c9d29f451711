import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3Settings, StackContext } from '../stackContext.ts';
import { httpStatusHealth } from './httpHealth.ts';
import { serviceMarker, type ServiceDefinition } from './serviceDefinition.ts';

/** An S3 client for the local server: path-style, since `<bucket>.127.0.0.1` resolves nowhere. */
export function localS3Client(s3: S3Settings): S3Client {
  return new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
}

/**
 * MinIO, the S3 server of the S3 warehouse mode, on disk under the run folder so the warehouse
 * survives restarts as the catalog's SQLite file does (moto_server keeps objects in memory only).
 * The web console is off: it would open a second port.
 */
export function s3Service(ctx: StackContext, s3: S3Settings): ServiceDefinition {
  const dataDir = join(ctx.layout.data, 's3');
  const host = ctx.bindHost.includes(':') ? `[${ctx.bindHost}]` : ctx.bindHost;
  return {
    name: 's3',
    host: ctx.bindHost,
    port: ctx.ports.s3,
    url: s3.endpoint,
    startTimeoutMs: 60_000,
    async prepare() {
      await mkdir(dataDir, { recursive: true });
      return {
        command: ctx.artifacts.minioBinary,
        // MinIO would take an extra argument for a drive: the marker goes in argv[0] instead.
        argv0: serviceMarker(ctx.layout.run, 's3'),
        args: ['server', dataDir, '--address', `${host}:${ctx.ports.s3}`, '--quiet'],
        env: {
          MINIO_ROOT_USER: s3.accessKeyId,
          MINIO_ROOT_PASSWORD: s3.secretAccessKey,
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
        },
        cwd: ctx.layout.run,
      };
    },
    health: () => httpStatusHealth(`${s3.endpoint}/minio/health/live`),
    async ready() {
      const client = localS3Client(s3);
      try {
        await client.send(new HeadBucketCommand({ Bucket: s3.bucket }));
      } catch {
        await client
          .send(new CreateBucketCommand({ Bucket: s3.bucket }))
          .catch((error: unknown) => {
            if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
          });
      } finally {
        client.destroy();
      }
    },
  };
}
