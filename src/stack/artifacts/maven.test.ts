import { expect, test } from 'vitest';
import { resolutionPom } from './maven.ts';

test('the resolution POM lists each artifact, excluding transitive ones where asked', () => {
  const pom = resolutionPom('probe', [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '4.2.0' },
    {
      groupId: 'org.apache.iceberg',
      artifactId: 'iceberg-open-api',
      version: '1.10.1',
      transitive: false,
    },
    {
      groupId: 'org.apache.iceberg',
      artifactId: 'iceberg-core',
      version: '1.11.0',
      classifier: 'tests',
    },
  ]);
  expect(pom).toContain('<artifactId>kafka_2.13</artifactId><version>4.2.0</version></dependency>');
  expect(pom).toContain(
    '<artifactId>iceberg-open-api</artifactId><version>1.10.1</version><exclusions><exclusion><groupId>*</groupId>',
  );
  expect(pom).toContain('<version>1.11.0</version><classifier>tests</classifier></dependency>');
  expect(pom).toContain('<packaging>pom</packaging>');
});
