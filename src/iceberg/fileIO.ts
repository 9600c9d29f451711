import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/** Reads files by the locations Iceberg metadata records (file:, s3:, s3a:, plain paths). */
export interface FileIO {
  /** The whole file (manifest lists, manifests: small). */
  read(location: string): Promise<Buffer>;
  /**
   * A local path holding the file, for readers that only open local files (DuckDB without its
   * httpfs extension): the file itself when it is local, otherwise a copy streamed to `copyPath`.
   */
  localFile(location: string, copyPath: string): Promise<string>;
}

/** Local filesystem: `file:/x`, `file:///x` and absolute paths. */
export class LocalFileIO implements FileIO {
  async read(location: string): Promise<Buffer> {
    return readFile(localPath(location));
  }
  async localFile(location: string): Promise<string> {
    return localPath(location);
  }
}

export function localPath(location: string): string {
  if (location.startsWith('file:')) {
    // Hadoop writes 'file:/abs/path' (one slash), which the WHATWG URL parser also accepts.
    return fileURLToPath(new URL(location.replace(/^file:\/(?!\/)/, 'file:///')));
  }
  return location;
}

const S3_LOCATION = /^s3[an]?:\/\/([^/]+)\/(.+)$/;

/** S3 (and s3a/s3n) through the AWS SDK; credentials and region from the SDK's usual chain. */
export class S3FileIO implements FileIO {
  constructor(private readonly client: S3Client = new S3Client({})) {}
  async read(location: string): Promise<Buffer> {
    const body = await this.body(location);
    return Buffer.from(await body.transformToByteArray());
  }
  async localFile(location: string, copyPath: string): Promise<string> {
    const body = await this.body(location);
    await pipeline(body as Readable, createWriteStream(copyPath));
    return copyPath;
  }
  private async body(location: string) {
    const match = S3_LOCATION.exec(location);
    if (!match) throw new Error(`not an S3 location: ${location} (expected s3://bucket/key)`);
    const out = await this.client.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    if (!out.Body) throw new Error(`S3 object ${location} has no body`);
    return out.Body;
  }
}

/**
 * The AWS SDK client that Iceberg's own S3FileIO would build from catalog properties (the REST
 * catalog's /v1/config defaults and overrides): endpoint, path-style access, static keys, region.
 * A property left out falls back to the SDK's usual chain, as in the cloud (an IAM role, AWS_REGION).
 */
export function s3ClientConfig(properties: Record<string, string>): S3ClientConfig {
  const config: S3ClientConfig = {};
  if (properties['s3.endpoint']) config.endpoint = properties['s3.endpoint'];
  if (properties['s3.path-style-access'] === 'true') config.forcePathStyle = true;
  if (properties['client.region']) config.region = properties['client.region'];
  const accessKeyId = properties['s3.access-key-id'];
  const secretAccessKey = properties['s3.secret-access-key'];
  if (accessKeyId && secretAccessKey) {
    const sessionToken = properties['s3.session-token'];
    config.credentials = {
      accessKeyId,
      secretAccessKey,
      ...(sessionToken ? { sessionToken } : {}),
    };
  }
  return config;
}

/** Picks the FileIO by scheme, so one reader handles a warehouse on either. */
export class SchemeFileIO implements FileIO {
  private s3: S3FileIO | null = null;
  private readonly local = new LocalFileIO();
  /** `catalogProperties`: the catalog's merged configuration, which may configure S3 access. */
  constructor(private readonly catalogProperties: Record<string, string> = {}) {}
  async read(location: string): Promise<Buffer> {
    return this.pick(location).read(location);
  }
  async localFile(location: string, copyPath: string): Promise<string> {
    return this.pick(location).localFile(location, copyPath);
  }
  private pick(location: string): FileIO {
    if (!/^s3[an]?:\/\//.test(location)) return this.local;
    return (this.s3 ??= new S3FileIO(new S3Client(s3ClientConfig(this.catalogProperties))));
  }
}

/**
 * Local paths for data files, in order: local files as they are, remote ones copied into `folder`
 * (which the caller creates and removes). Names are prefixed with their index, since two tables'
 * or partitions' files may share a base name.
 */
export async function localDataFiles(
  io: FileIO,
  locations: string[],
  folder: string,
): Promise<string[]> {
  const paths: string[] = [];
  for (const [index, location] of locations.entries()) {
    const base = location.slice(location.lastIndexOf('/') + 1);
    paths.push(await io.localFile(location, join(folder, `${index}-${base}`)));
  }
  return paths;
}
