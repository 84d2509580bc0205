// A "foreign" kafkajs producer for poison messages: its own client id, no
// headers, straight to the topic — bypassing our outbox, as a legacy service would.
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { ORDERS_TOPIC } from './orders/events';
import type { PoisonMessage } from './poison';

export interface PoisonProducer {
  send(message: PoisonMessage): Promise<void>;
  close(): Promise<void>;
}

export function createPoisonProducer(kafka: Kafka, topic = ORDERS_TOPIC): PoisonProducer {
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 2 }, createPartitioner: Partitioners.DefaultPartitioner });
  let connecting: Promise<void> | null = null;
  return {
    async send(message) {
      // Connect lazily and again after a failure, so a broker outage only costs poison messages.
      connecting ??= producer.connect().catch((error: unknown) => {
        connecting = null;
        throw error;
      });
      await connecting;
      await producer.send({ topic, messages: [{ key: message.key, value: message.value }] });
    },
    async close() {
      if (connecting) await producer.disconnect().catch(() => {});
      connecting = null;
    },
  };
}
