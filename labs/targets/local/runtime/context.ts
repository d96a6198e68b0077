import { SendMessageCommand, SQSClient, type MessageAttributeValue } from '@aws-sdk/client-sqs';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { localClientConfig } from '../emulators/client-config';
import type { Endpoints, LocalDeployment } from '../model';
import type { FunctionPool } from './function-pool';

/** A problem of the local cloud itself (an emulator unreachable, a malformed relay message), not a function error. */
export interface RuntimeFault {
  /** The event source's logical id, or the function name. */
  readonly source: string;
  readonly error: Error;
}

/** What every event source needs from the runtime. */
export interface RuntimeContext {
  readonly deployment: LocalDeployment;
  readonly region: string;
  /** Aborted by `stop()`: pollers end their loops and cancel their long polls. */
  readonly signal: AbortSignal;
  pool(functionName: string): FunctionPool;
  sqs(): SQSClient;
  kinesis(): KinesisClient;
  report(source: string, error: unknown): void;
  /** Sends a message to an SQS queue or SNS topic given by ARN (dead-letter queues, on-failure destinations). */
  sendToDestination(arn: string, body: string, attributes?: Record<string, MessageAttributeValue>): Promise<void>;
}

export class Clients {
  private sqsClient: SQSClient | undefined;
  private snsClient: SNSClient | undefined;
  private kinesisClient: KinesisClient | undefined;

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
  }

  private require(service: keyof Endpoints): string {
    const endpoint = this.endpoints[service];
    if (endpoint === undefined) {
      throw new Error(`the ${service} emulator is not running, but an event source or destination needs it`);
    }
    return endpoint;
  }
}

export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Resolves after `ms`, or early (without throwing) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
