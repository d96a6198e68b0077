import { GetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import type { SNSEvent, SNSMessageAttributes } from 'aws-lambda';
import type { SnsSubscriptionSpec } from '../model';
import type { AsyncInvoker } from './async-invoker';
import { sleep } from './abortable-sleep';
import type { RuntimeContext } from './runtime-context';
import { deleteMessages, receiveMessages } from './sqs-source';

const WAIT_TIME_SECONDS = 5;
const ERROR_BACKOFF_MS = 1_000;

/** The JSON envelope SNS delivers to a (non-raw) SQS subscription. */
interface SnsNotification {
  readonly Type: string;
  readonly MessageId: string;
  readonly TopicArn: string;
  readonly Subject?: string | null;
  readonly Message: string;
  readonly Timestamp: string;
  readonly SignatureVersion?: string;
  readonly Signature?: string;
  readonly SigningCertURL?: string;
  readonly UnsubscribeURL?: string;
  readonly MessageAttributes?: SNSMessageAttributes;
}

/**
 * SNS -> Lambda: reads the relay queue the provisioner subscribed in the function's place, turns each
 * notification into the SNSEvent SNS would send, and invokes the function asynchronously (retries and
 * dead-lettering belong to the asynchronous invocation, as on AWS). The relay message is deleted as
 * soon as the event is handed over.
 */
export class SnsRelaySource {
  private loop: Promise<void> | undefined;

  constructor(
    private readonly context: RuntimeContext,
    private readonly spec: SnsSubscriptionSpec,
    private readonly invoker: AsyncInvoker,
  ) {}

  async start(): Promise<void> {
    // A missing relay queue fails the start with a clear error instead of a poller retrying forever.
    await this.context.sqs().send(new GetQueueAttributesCommand({ QueueUrl: this.spec.relayQueueUrl, AttributeNames: ['QueueArn'] }));
    this.loop = this.poll();
  }

  async stop(): Promise<void> {
    await this.loop;
  }

  private async poll(): Promise<void> {
    // A signal of its own, as every SQS poller loop has: no listener on the runtime's shared signal.
    const signal = AbortSignal.any([this.context.signal]);
    const context: RuntimeContext = { ...this.context, signal };
    while (!signal.aborted) {
      try {
        await this.handOver(await receiveMessages(context, this.spec.relayQueueUrl, 10, WAIT_TIME_SECONDS));
      } catch (error) {
        if (signal.aborted) return;
        this.context.report(this.spec.logicalId, error);
        await sleep(ERROR_BACKOFF_MS, signal);
      }
    }
  }

  private async handOver(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    for (const message of messages) {
      const event = this.toEvent(message);
      if (event === undefined) {
        this.context.report(
          this.spec.logicalId,
          new Error(`relay queue ${this.spec.relayQueueUrl} holds a message that is not an SNS notification (raw delivery?); dropped: ${(message.Body ?? '').slice(0, 200)}`),
        );
      } else {
        this.invoker.invoke(this.spec.functionName, event);
      }
    }
    await deleteMessages(this.context, this.spec.relayQueueUrl, messages);
  }

  private toEvent(message: Message): SNSEvent | undefined {
    let notification: SnsNotification;
    try {
      notification = JSON.parse(message.Body ?? '') as SnsNotification;
    } catch {
      return undefined;
    }
    if (notification === null || typeof notification !== 'object' || notification.Type !== 'Notification') return undefined;
    return {
      Records: [
        {
          EventVersion: '1.0',
          EventSubscriptionArn: this.spec.subscriptionArn,
          EventSource: 'aws:sns',
          Sns: {
            SignatureVersion: notification.SignatureVersion ?? '1',
            Timestamp: notification.Timestamp,
            Signature: notification.Signature ?? '',
            SigningCertUrl: notification.SigningCertURL ?? '',
            MessageId: notification.MessageId,
            Message: notification.Message,
            MessageAttributes: notification.MessageAttributes ?? {},
            Type: 'Notification',
            UnsubscribeUrl: notification.UnsubscribeURL ?? '',
            TopicArn: notification.TopicArn,
            // SNS sends null when the publisher gave no subject.
            Subject: (notification.Subject ?? null) as string,
          },
        },
      ],
    };
  }
}
