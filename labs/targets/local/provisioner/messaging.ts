import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { arn, rejectUnsupported, required, type ProvisionedResource, type ResourceInput } from './resource-provisioner';
import { NAME_LIMITS, physicalName } from './names';

/** AWS::SQS::Queue properties passed to the emulator as queue attributes. */
const QUEUE_ATTRIBUTES = [
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'FifoQueue',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
] as const;
/**
 * Encryption at rest and tags have no local meaning: the emulator keeps messages in memory. They are
 * listed so that every other property is a deliberate choice.
 */
const QUEUE_PROPERTIES_IGNORED = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled', 'Tags'];

export async function createQueue(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set<string>([...QUEUE_ATTRIBUTES, ...QUEUE_PROPERTIES_IGNORED, 'QueueName']);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const queueName = nameOf(input, 'QueueName', NAME_LIMITS.queue, 'FifoQueue');
  return createQueueNamed(input, queueName, stringAttributes(input, QUEUE_ATTRIBUTES));
}

/** The template's name for the queue or topic, or a generated one (ending in `.fifo` for a FIFO one). */
function nameOf(input: ResourceInput, nameProperty: string, maxLength: number, fifoProperty: string): string {
  const fifo = String(input.properties[fifoProperty]) === 'true';
  return (
    (input.properties[nameProperty] as string | undefined) ??
    physicalName(input.stackName, input.logicalId, { maxLength, suffix: fifo ? '.fifo' : '' })
  );
}

/** The properties the service takes as string attributes (policies as JSON). */
function stringAttributes(input: ResourceInput, names: readonly string[]): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const name of names) {
    const value = input.properties[name];
    if (value !== undefined) attributes[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return attributes;
}

async function createQueueNamed(
  input: ResourceInput,
  queueName: string,
  attributes: Record<string, string>,
): Promise<ProvisionedResource> {
  const { QueueUrl } = await input.clients.sqs.send(new CreateQueueCommand({ QueueName: queueName, Attributes: attributes }));
  const { Attributes } = await input.clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const queueUrl = QueueUrl!;
  const queueArn = Attributes?.QueueArn ?? arn(input.pseudo, 'sqs', queueName);
  input.state.queueUrlsByArn[queueArn] = queueUrl;
  return { ref: queueUrl, attributes: { Arn: queueArn, QueueName: queueName, QueueUrl: queueUrl } };
}

const TOPIC_ATTRIBUTES = ['DisplayName', 'FifoTopic', 'ContentBasedDeduplication', 'SignatureVersion', 'TracingConfig'] as const;
/** Encryption at rest, tags and delivery-status logging have no local meaning. */
const TOPIC_PROPERTIES_IGNORED = ['KmsMasterKeyId', 'Tags', 'DeliveryStatusLogging', 'ArchivePolicy', 'DataProtectionPolicy'];

export async function createTopic(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set<string>([...TOPIC_ATTRIBUTES, ...TOPIC_PROPERTIES_IGNORED, 'TopicName']);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const topicName = nameOf(input, 'TopicName', NAME_LIMITS.topic, 'FifoTopic');
  const { TopicArn } = await input.clients.sns.send(new CreateTopicCommand({ Name: topicName, Attributes: stringAttributes(input, TOPIC_ATTRIBUTES) }));
  return { ref: TopicArn!, attributes: { TopicArn: TopicArn!, TopicName: topicName } };
}

/** Subscription settings passed as subscription attributes. */
const SUBSCRIPTION_ATTRIBUTES = ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy'] as const;
/** Cross-region delivery and delivery-role settings have no local meaning. */
const SUBSCRIPTION_PROPERTIES_IGNORED = ['Region', 'DeliveryPolicy', 'SubscriptionRoleArn', 'ReplayPolicy'];

/**
 * AWS::SNS::Subscription. An `sqs` subscription is created as is; a `lambda` subscription becomes a
 * relay queue subscribed with the same filter policy, which the runtime drains to invoke the function
 * asynchronously (the emulator cannot call a function).
 */
export async function createSubscription(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set<string>([
    ...SUBSCRIPTION_ATTRIBUTES,
    ...SUBSCRIPTION_PROPERTIES_IGNORED,
    'TopicArn',
    'Protocol',
    'Endpoint',
  ]);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const topicArn = required<string>(input, 'TopicArn');
  const protocol = required<string>(input, 'Protocol');
  const endpoint = required<string>(input, 'Endpoint');
  const attributes: Record<string, string> = {};
  for (const name of SUBSCRIPTION_ATTRIBUTES) {
    const value = input.properties[name];
    if (value !== undefined) {
      attributes[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
    }
  }
  if (protocol === 'sqs') {
    checkRedriveTarget(input);
    const subscriptionArn = await subscribe(input, topicArn, endpoint, attributes);
    return { ref: subscriptionArn, attributes: {} };
  }
  if (protocol === 'lambda') {
    const target = [...input.state.functions.values()].find(
      (fn) => fn.functionArn === endpoint || fn.functionName === endpoint,
    );
    if (!target) {
      throw new Error(`${input.type} (${input.logicalId}) delivers to ${endpoint}, which is not a function of this stack`);
    }
    // The relay keeps SNS's envelope (no raw delivery): the function gets the SNS event Lambda would.
    const { RawMessageDelivery: _raw, RedrivePolicy: _redrive, ...relayAttributes } = attributes;
    const relayName = physicalName(input.stackName, `${input.logicalId}Relay`, { maxLength: NAME_LIMITS.queue });
    const relay = await createQueueNamed(input, relayName, {});
    const subscriptionArn = await subscribe(input, topicArn, String(relay.attributes.Arn), relayAttributes);
    input.state.eventSources.push({
      kind: 'sns',
      logicalId: input.logicalId,
      functionName: target.functionName,
      topicArn,
      subscriptionArn,
      relayQueueUrl: relay.ref,
    });
    return { ref: subscriptionArn, attributes: {} };
  }
  throw new Error(
    `cannot provision ${input.type} (${input.logicalId}): protocol ${protocol} is not supported by the local cloud (sqs and lambda are)`,
  );
}

/**
 * fauxqs keeps a subscription's RedrivePolicy (GetSubscriptionAttributes shows it) but never sends to
 * it: a delivery it cannot make is dropped. What the local cloud can check is that the dead-letter
 * target is a queue of this stack, created before the subscription, as on AWS.
 */
function checkRedriveTarget(input: ResourceInput): void {
  const redrive = input.properties.RedrivePolicy as { deadLetterTargetArn?: unknown } | undefined;
  if (redrive === undefined) return;
  const target = redrive.deadLetterTargetArn;
  if (typeof target !== 'string' || input.state.queueUrlsByArn[target] === undefined) {
    throw new Error(
      `cannot provision ${input.type} (${input.logicalId}): its RedrivePolicy deadLetterTargetArn ${JSON.stringify(target)} is not a queue of this stack (the local cloud dead-letters only to the stack's own queues)`,
    );
  }
}

async function subscribe(
  input: ResourceInput,
  topicArn: string,
  endpoint: string,
  attributes: Record<string, string>,
): Promise<string> {
  const { SubscriptionArn } = await input.clients.sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: 'sqs',
      Endpoint: endpoint,
      Attributes: attributes,
      ReturnSubscriptionArn: true,
    }),
  );
  return SubscriptionArn!;
}
