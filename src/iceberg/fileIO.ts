import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** Reads whole files by the locations Iceberg metadata records (file:, s3:, s3a:, plain paths). */
export interface FileIO {
  read(location: string): Promise<Buffer>;
}

/** Local filesystem: `file:/x`, `file:///x` and absolute paths. */
export class LocalFileIO implements FileIO {
  async read(location: string): Promise<Buffer> {
    return readFile(localPath(location));
  }
}

export function localPath(location: string): string {
  if (location.startsWith('file:')) {
    // Hadoop writes 'file:/abs/path' (one slash), which the WHATWG URL parser also accepts.
    return fileURLToPath(new URL(location.replace(/^file:\/(?!\/)/, 'file:///')));
  }
  return location;
}

/** S3 (and s3a/s3n) through the AWS SDK; credentials and region from the SDK's usual chain. */
export class S3FileIO implements FileIO {
  constructor(private readonly client: S3Client = new S3Client({})) {}
  async read(location: string): Promise<Buffer> {
    const match = /^s3[an]?:\/\/([^/]+)\/(.+)$/.exec(location);
    if (!match) throw new Error(`not an S3 location: ${location} (expected s3://bucket/key)`);
    const out = await this.client.send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
    if (!out.Body) throw new Error(`S3 object ${location} has no body`);
    return Buffer.from(await out.Body.transformToByteArray());
  }
}

/** Picks the FileIO by scheme, so one reader handles a warehouse on either. */
export class SchemeFileIO implements FileIO {
  private s3: S3FileIO | null = null;
  private readonly local = new LocalFileIO();
  async read(location: string): Promise<Buffer> {
    if (/^s3[an]?:\/\//.test(location)) return (this.s3 ??= new S3FileIO()).read(location);
    return this.local.read(location);
  }
}
