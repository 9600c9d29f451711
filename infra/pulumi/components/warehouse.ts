import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface WarehouseArgs {
  /** Days before noncurrent versions (files of expired snapshots) are removed. */
  noncurrentVersionDays: number;
}

/** The Iceberg warehouse on S3: private, versioned, KMS-encrypted, TLS-only, old versions expire. */
export class Warehouse extends pulumi.ComponentResource {
  readonly bucket: aws.s3.BucketV2;
  readonly key: aws.kms.Key;
  readonly arn: pulumi.Output<string>;
  readonly uri: pulumi.Output<string>;

  constructor(name: string, args: WarehouseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('lambdalake:storage:Warehouse', name, {}, opts);
    const parent = { parent: this };
    this.key = new aws.kms.Key(
      `${name}-key`,
      { description: 'lambdalake warehouse', enableKeyRotation: true, deletionWindowInDays: 30 },
      parent,
    );
    this.bucket = new aws.s3.BucketV2(`${name}-bucket`, { forceDestroy: false }, parent);
    new aws.s3.BucketPublicAccessBlock(
      `${name}-public-access`,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketOwnershipControls(
      `${name}-ownership`,
      { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } },
      parent,
    );
    new aws.s3.BucketVersioningV2(
      `${name}-versioning`,
      { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfigurationV2(
      `${name}-encryption`,
      {
        bucket: this.bucket.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: {
              sseAlgorithm: 'aws:kms',
              kmsMasterKeyId: this.key.arn,
            },
            bucketKeyEnabled: true,
          },
        ],
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfigurationV2(
      `${name}-lifecycle`,
      {
        bucket: this.bucket.id,
        rules: [
          // Snapshot expiry deletes current objects; their noncurrent versions are the orphans kept here.
          {
            id: 'expire-noncurrent',
            status: 'Enabled',
            filter: {},
            noncurrentVersionExpiration: { noncurrentDays: args.noncurrentVersionDays },
          },
          {
            id: 'abort-multipart',
            status: 'Enabled',
            filter: {},
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-tls-only`,
      {
        bucket: this.bucket.id,
        policy: pulumi.jsonStringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyInsecureTransport',
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:*',
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ],
        }),
      },
      parent,
    );
    this.arn = this.bucket.arn;
    this.uri = pulumi.interpolate`s3://${this.bucket.bucket}/warehouse`;
    this.registerOutputs({ arn: this.arn, uri: this.uri });
  }

  /** The least-privilege policy document for the warehouse: this bucket and its objects, nothing else. */
  policyDocument(): pulumi.Output<string> {
    return pulumi.jsonStringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:GetBucketLocation'],
          Resource: [this.bucket.arn],
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          Resource: [pulumi.interpolate`${this.bucket.arn}/*`],
        },
        {
          Effect: 'Allow',
          Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
          Resource: [this.key.arn],
        },
      ],
    });
  }
}
