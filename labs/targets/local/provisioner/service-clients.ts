import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { localClientConfig, type RunningEmulators } from '../emulators';
import type { ServiceName } from '../model';
import type { ServiceClients } from './resource-provisioner';

/** The provisioner's clients of the emulators, each made when a resource first needs it. */
export function lazyClients(endpoints: RunningEmulators['endpoints']): ServiceClients & { destroy(): void } {
  const made = new Map<ServiceName, { destroy(): void }>();
  const get = <T extends { destroy(): void }>(service: ServiceName, make: (endpoint: string) => T): T => {
    const existing = made.get(service);
    if (existing) {
      return existing as T;
    }
    const endpoint = endpoints[service];
    if (!endpoint) {
      throw new Error(`the template needs the ${service} emulator, which is not running (start it with startEmulators)`);
    }
    const client = make(endpoint);
    made.set(service, client);
    return client;
  };
  return {
    get sqs() {
      return get('sqs', (endpoint) => new SQSClient(localClientConfig(endpoint)));
    },
    get sns() {
      return get('sns', (endpoint) => new SNSClient(localClientConfig(endpoint)));
    },
    get kinesis() {
      return get('kinesis', (endpoint) => new KinesisClient(localClientConfig(endpoint)));
    },
    get dynamodb() {
      return get('dynamodb', (endpoint) => new DynamoDBClient(localClientConfig(endpoint)));
    },
    destroy: () => made.forEach((client) => client.destroy()),
  };
}
