import { describe, expect, test } from 'vitest';
import {
  flinkKafkaProperties,
  kafkajsSecurity,
  kafkaSecurityEnv,
  kafkaSecurityFromEnv,
  KafkaSecurityError,
} from './kafkaSecurity.ts';

describe('one Kafka security binding for Flink and kafkajs', () => {
  test('plaintext by default: no properties, no ssl, no sasl (the local stack)', () => {
    const security = kafkaSecurityFromEnv({});
    expect(security).toEqual({ protocol: 'plaintext' });
    expect(flinkKafkaProperties(security)).toEqual({});
    expect(kafkajsSecurity(security)).toEqual({});
  });

  test('msk-iam: SASL_SSL with AWS_MSK_IAM for Flink, OAUTHBEARER with a signed token for kafkajs', async () => {
    const security = kafkaSecurityFromEnv({
      LAMBDALAKE_KAFKA_SECURITY: 'msk-iam',
      AWS_REGION: 'eu-central-1',
    });
    expect(flinkKafkaProperties(security)).toEqual({
      'properties.security.protocol': 'SASL_SSL',
      'properties.sasl.mechanism': 'AWS_MSK_IAM',
      'properties.sasl.jaas.config': 'software.amazon.msk.auth.iam.IAMLoginModule required;',
      'properties.sasl.client.callback.handler.class':
        'software.amazon.msk.auth.iam.IAMClientCallbackHandler',
    });
    const regions: string[] = [];
    const options = kafkajsSecurity(security, async (region) => {
      regions.push(region);
      return { token: 'signed-token', expiryTime: Date.now() + 900_000 };
    });
    expect(options.ssl).toBe(true);
    const sasl = options.sasl as {
      mechanism: string;
      oauthBearerProvider: () => Promise<{ value: string }>;
    };
    expect(sasl.mechanism).toBe('oauthbearer');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'signed-token' });
    expect(regions).toEqual(['eu-central-1']);
    // The env a deployment sets selects the same binding again.
    expect(kafkaSecurityFromEnv(kafkaSecurityEnv(security))).toEqual(security);
  });

  test('the default signer is AWS’s own package, loaded only in msk-iam mode', async () => {
    const signer = await import('aws-msk-iam-sasl-signer-js');
    expect(typeof signer.generateAuthToken).toBe('function');
  });

  test('scram: the JAAS line quotes the credentials; kafkajs gets scram-sha-512 over TLS', () => {
    const security = kafkaSecurityFromEnv({
      LAMBDALAKE_KAFKA_SECURITY: 'scram',
      LAMBDALAKE_KAFKA_USERNAME: 'u',
      LAMBDALAKE_KAFKA_PASSWORD: 'p"w',
    });
    expect(flinkKafkaProperties(security)['properties.sasl.jaas.config']).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p\\"w";',
    );
    expect(kafkajsSecurity(security)).toEqual({
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p"w' },
    });
    // The password never goes into the environment a manifest carries.
    expect(kafkaSecurityEnv(security)).not.toHaveProperty('LAMBDALAKE_KAFKA_PASSWORD');
  });

  test('a mode that cannot work says what it needs', () => {
    expect(() => kafkaSecurityFromEnv({ LAMBDALAKE_KAFKA_SECURITY: 'msk-iam' })).toThrow(
      /needs AWS_REGION/,
    );
    expect(() => kafkaSecurityFromEnv({ LAMBDALAKE_KAFKA_SECURITY: 'ssl' })).toThrow(
      KafkaSecurityError,
    );
  });
});
