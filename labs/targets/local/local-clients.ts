import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LabClients } from '../target';
import type { DeathWatch } from './death-watch';
import { localClientConfig, type RunningEmulators } from './emulators';
import type { ServiceName } from './model';
import type { LambdaRuntime } from './runtime';

/** The scenario's SDK clients, pointed at the emulators, and the runtime's synchronous invoke, all under the watch. */
export function localClients(emulators: RunningEmulators, runtime: LambdaRuntime, watch: DeathWatch) {
  const endpoint = (service: ServiceName): string =>
    // A client of a service the module does not use is still built; its calls fail with this address.
    emulators.endpoints[service] ?? 'http://127.0.0.1:9';
  const sqs = new SQSClient(localClientConfig(endpoint('sqs')));
  const sns = new SNSClient(localClientConfig(endpoint('sns')));
  const kinesis = new KinesisClient(localClientConfig(endpoint('kinesis')));
  const dynamodb = new DynamoDBClient(localClientConfig(endpoint('dynamodb')));
  // DynamoDB Local serves the streams API on its own endpoint.
  const dynamodbStreams = new DynamoDBStreamsClient(localClientConfig(endpoint('dynamodb')));
  for (const client of [sqs, sns, kinesis, dynamodb, dynamodbStreams]) watch.watchClient(client);
  const documentClient = DynamoDBDocumentClient.from(dynamodb);
  return {
    clients: {
      sqs,
      sns,
      kinesis,
      dynamodb: documentClient,
      dynamodbStreams,
      lambda: { invoke: (functionName: string, payload: unknown) => watch.guard(() => runtime.invoke(functionName, payload)) },
    } satisfies LabClients,
    destroy: () => [sqs, sns, kinesis, dynamodb, dynamodbStreams].forEach((client) => client.destroy()),
  };
}
