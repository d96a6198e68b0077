import { SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { localClientConfig } from '../emulators/client-config';
import type { Endpoints, LocalDeployment } from '../model';

/** The runtime's own SDK clients of the emulators, made when first needed. */
export class EmulatorClients {
  private sqsClient: SQSClient | undefined;
  private snsClient: SNSClient | undefined;
  private kinesisClient: KinesisClient | undefined;
  private dynamodbStreamsClient: DynamoDBStreamsClient | undefined;

  constructor(private readonly endpoints: Endpoints) {}

  sqs(): SQSClient {
    this.sqsClient ??= new SQSClient(localClientConfig(this.require('sqs')));
    return this.sqsClient;
  }

  sns(): SNSClient {
    this.snsClient ??= new SNSClient(localClientConfig(this.require('sns')));
    return this.snsClient;
  }

  kinesis(): KinesisClient {
    this.kinesisClient ??= new KinesisClient(localClientConfig(this.require('kinesis')));
    return this.kinesisClient;
  }

  dynamodbStreams(): DynamoDBStreamsClient {
    this.dynamodbStreamsClient ??= new DynamoDBStreamsClient(localClientConfig(this.require('dynamodb')));
    return this.dynamodbStreamsClient;
  }

  async sendToDestination(
    deployment: LocalDeployment,
    arn: string,
    body: string,
    attributes?: Record<string, MessageAttributeValue>,
  ): Promise<void> {
    const service = arn.split(':')[2];
    if (service === 'sqs') {
      const queueUrl = deployment.queueUrlsByArn[arn];
      if (queueUrl === undefined) throw new Error(`no queue with ARN ${arn} in stack ${deployment.stackName}`);
      await this.sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageAttributes: attributes }));
      return;
    }
    if (service === 'sns') {
      await this.sns().send(new PublishCommand({ TopicArn: arn, Message: body }));
      return;
    }
    throw new Error(`destination ${arn} is neither an SQS queue nor an SNS topic: the local cloud cannot deliver to it`);
  }

  destroy(): void {
    this.sqsClient?.destroy();
    this.snsClient?.destroy();
    this.kinesisClient?.destroy();
    this.dynamodbStreamsClient?.destroy();
  }

  private require(service: keyof Endpoints): string {
    const endpoint = this.endpoints[service];
    if (endpoint === undefined) {
      throw new Error(`the ${service} emulator is not running, but an event source or destination needs it`);
    }
    return endpoint;
  }
}
