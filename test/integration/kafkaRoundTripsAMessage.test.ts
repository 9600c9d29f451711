import { Kafka, logLevel } from 'kafkajs';
import { expect, test } from 'vitest';
import { stackEndpoints } from './stack.ts';

test('a topic is created and a message produced to it is consumed back', async () => {
  const kafka = new Kafka({
    clientId: 'smoke',
    brokers: stackEndpoints().kafkaBrokers,
    logLevel: logLevel.ERROR,
  });
  const topic = `smoke-roundtrip-${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  expect(
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true }),
  ).toBe(true);
  await admin.disconnect();

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: [{ key: 'k1', value: JSON.stringify({ hello: 'lakehouse' }) }],
  });
  await producer.disconnect();

  const consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const received = await new Promise<{ key: string; value: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        clearTimeout(timer);
        resolve({ key: String(message.key), value: String(message.value) });
      },
    });
  });
  await consumer.disconnect();
  expect(received).toEqual({ key: 'k1', value: '{"hello":"lakehouse"}' });
});
