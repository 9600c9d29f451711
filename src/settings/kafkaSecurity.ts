import type { KafkaConfig } from 'kafkajs';

/**
 * How every Kafka client of lambdalake authenticates: Flink's Kafka connectors (through the
 * compiled DDL's `properties.*` options) and kafkajs (control plane, serving, demo). One binding,
 * read once from the environment, so that the two can never disagree.
 *
 * - `plaintext`: the local stack and an in-cluster Strimzi listener.
 * - `msk-iam`: Amazon MSK with IAM access control, TLS on port 9098. Flink uses AWS's
 *   `aws-msk-iam-auth` login module (its jar is on the cloud Flink image's classpath); kafkajs uses
 *   SASL OAUTHBEARER with tokens from AWS's `aws-msk-iam-sasl-signer-js`. Both sign with the
 *   pod's web identity (IRSA), so no Kafka secret exists anywhere.
 * - `scram`: SASL/SCRAM-SHA-512 over TLS (MSK with SCRAM, Confluent, most managed Kafkas).
 */
export type KafkaSecurity =
  | { protocol: 'plaintext' }
  | { protocol: 'msk-iam'; region: string }
  | { protocol: 'scram'; username: string; password: string };

/** Raised when the environment names a Kafka security mode that cannot work as given. */
export class KafkaSecurityError extends Error {
  readonly code = 'KAFKA_SECURITY_INVALID';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'KafkaSecurityError';
  }
}

/**
 * Reads LAMBDALAKE_KAFKA_SECURITY (plaintext | msk-iam | scram; default plaintext) and what the
 * mode needs: AWS_REGION for msk-iam, LAMBDALAKE_KAFKA_USERNAME / _PASSWORD for scram.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const mode = env.LAMBDALAKE_KAFKA_SECURITY ?? 'plaintext';
  switch (mode) {
    case 'plaintext':
      return { protocol: 'plaintext' };
    case 'msk-iam': {
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!region)
        throw new KafkaSecurityError('LAMBDALAKE_KAFKA_SECURITY=msk-iam needs AWS_REGION');
      return { protocol: 'msk-iam', region };
    }
    case 'scram': {
      const username = env.LAMBDALAKE_KAFKA_USERNAME;
      const password = env.LAMBDALAKE_KAFKA_PASSWORD;
      if (!username || !password)
        throw new KafkaSecurityError(
          'LAMBDALAKE_KAFKA_SECURITY=scram needs LAMBDALAKE_KAFKA_USERNAME and LAMBDALAKE_KAFKA_PASSWORD',
        );
      return { protocol: 'scram', username, password };
    }
    default:
      throw new KafkaSecurityError(
        `LAMBDALAKE_KAFKA_SECURITY is '${mode}': use plaintext, msk-iam or scram`,
      );
  }
}

/** The environment that selects this binding (what a deployment sets on its pods; no secrets). */
export function kafkaSecurityEnv(security: KafkaSecurity): Record<string, string> {
  switch (security.protocol) {
    case 'plaintext':
      return { LAMBDALAKE_KAFKA_SECURITY: 'plaintext' };
    case 'msk-iam':
      return { LAMBDALAKE_KAFKA_SECURITY: 'msk-iam', AWS_REGION: security.region };
    case 'scram':
      return { LAMBDALAKE_KAFKA_SECURITY: 'scram', LAMBDALAKE_KAFKA_USERNAME: security.username };
  }
}

/**
 * Options for Flink's `kafka` / `upsert-kafka` connectors (`WITH (...)` keys), to merge into
 * every Kafka table the compiler emits. The class names are Kafka's own, not the shaded
 * `org.apache.flink.kafka.shaded.*` ones: the cloud image puts the unshaded
 * `flink-connector-kafka` + `kafka-clients` on the classpath, because `aws-msk-iam-auth`'s
 * callback handler implements the unshaded `AuthenticateCallbackHandler` and fails to load next
 * to the shaded SQL connector.
 */
export function flinkKafkaProperties(security: KafkaSecurity): Record<string, string> {
  switch (security.protocol) {
    case 'plaintext':
      return {};
    case 'msk-iam':
      return {
        'properties.security.protocol': 'SASL_SSL',
        'properties.sasl.mechanism': 'AWS_MSK_IAM',
        'properties.sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required;',
        'properties.sasl.client.callback.handler.class':
          'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
      };
    case 'scram':
      return {
        'properties.security.protocol': 'SASL_SSL',
        'properties.sasl.mechanism': 'SCRAM-SHA-512',
        'properties.sasl.jaas.config': `org.apache.kafka.common.security.scram.ScramLoginModule required username="${jaasEscape(security.username)}" password="${jaasEscape(security.password)}";`,
      };
  }
}

function jaasEscape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** The subset of kafkajs' client config that authenticates: `ssl` and `sasl`. */
export type KafkajsSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/** Signs one MSK IAM token; injectable so tests need no AWS credentials. */
export type MskTokenSigner = (region: string) => Promise<{ token: string; expiryTime: number }>;

// Loaded only in msk-iam mode: the signer pulls in the AWS SDK's credential chain.
const awsSigner: MskTokenSigner = async (region) => {
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  return generateAuthToken({ region });
};

/** kafkajs `ssl` / `sasl` options for this binding (spread them into `new Kafka({...})`). */
export function kafkajsSecurity(
  security: KafkaSecurity,
  signer: MskTokenSigner = awsSigner,
): KafkajsSecurity {
  switch (security.protocol) {
    case 'plaintext':
      return {};
    case 'msk-iam':
      return {
        ssl: true,
        sasl: {
          mechanism: 'oauthbearer',
          // kafkajs asks again before the token expires (15 min for MSK IAM tokens).
          oauthBearerProvider: async () => ({ value: (await signer(security.region)).token }),
        },
      };
    case 'scram':
      return {
        ssl: true,
        sasl: {
          mechanism: 'scram-sha-512',
          username: security.username,
          password: security.password,
        },
      };
  }
}
