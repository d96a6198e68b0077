/**
 * What the provisioner hands to the Lambda runtime: the functions of a template and the event
 * sources that drive them, with every setting resolved to plain values.
 */

export type ServiceName = 'sqs' | 'sns' | 'kinesis' | 'dynamodb';

/** Loopback base URLs of the running emulators (e.g. `http://127.0.0.1:40123`). */
export type Endpoints = Partial<Record<ServiceName, string>>;

/** The local cloud's identity: any non-empty credentials work; the region and account are fixed. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export interface AsyncInvokeConfig {
  /** Retries after the first attempt of an asynchronous invocation (0 to 2). Lambda's default is 2. */
  readonly maximumRetryAttempts: number;
  /** Function-level dead-letter queue (DeadLetterConfig.TargetArn). */
  readonly deadLetterTargetArn?: string;
  /** EventInvokeConfig on-failure destination. */
  readonly onFailureDestinationArn?: string;
  /** EventInvokeConfig on-success destination. */
  readonly onSuccessDestinationArn?: string;
  /** EventInvokeConfig MaximumEventAgeInSeconds (60 to 21600). Lambda's default is 21600. */
  readonly maximumEventAgeSeconds?: number;
}

export interface FunctionSpec {
  readonly logicalId: string;
  /** Physical name, as CloudFormation would generate it. */
  readonly functionName: string;
  readonly functionArn: string;
  /** Absolute path of the bundled asset directory in the cloud assembly. */
  readonly bundleDir: string;
  /** `file.export`, e.g. `index.handler`. */
  readonly handler: string;
  /** The template's Runtime, e.g. `nodejs24.x`. @default 'nodejs24.x' */
  readonly runtime?: string;
  readonly timeoutSeconds: number;
  readonly memorySizeMiB: number;
  /** The template's environment variables, intrinsics resolved. */
  readonly environment: Readonly<Record<string, string>>;
  readonly reservedConcurrentExecutions?: number;
  readonly asyncInvoke: AsyncInvokeConfig;
  /** LoggingConfig.LogFormat. @default 'Text' */
  readonly logFormat?: 'Text' | 'JSON';
  /** LoggingConfig.LogGroup. @default `/aws/lambda/<functionName>` */
  readonly logGroupName?: string;
  /** LoggingConfig.ApplicationLogLevel (JSON format only), e.g. 'INFO'. @default - none */
  readonly applicationLogLevel?: string;
}

export interface SqsEventSourceSpec {
  readonly kind: 'sqs';
  readonly logicalId: string;
  readonly functionName: string;
  readonly queueArn: string;
  readonly queueUrl: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  /** ScalingConfig.MaximumConcurrency: that many execution environments at most. */
  readonly maximumConcurrency?: number;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

/**
 * The settings every stream mapping shares (Kinesis and DynamoDB Streams): what the local
 * stream engine needs, whatever the record kind.
 */
export interface StreamEventSourceSpec {
  readonly logicalId: string;
  readonly functionName: string;
  readonly streamArn: string;
  readonly batchSize: number;
  readonly maximumBatchingWindowSeconds: number;
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  readonly startingPositionTimestamp?: number;
  readonly parallelizationFactor: number;
  readonly bisectBatchOnFunctionError: boolean;
  /** -1 means retry until the record expires. */
  readonly maximumRetryAttempts: number;
  /** -1 means no limit. */
  readonly maximumRecordAgeSeconds: number;
  readonly onFailureDestinationArn?: string;
  readonly reportBatchItemFailures: boolean;
  readonly enabled: boolean;
}

export interface KinesisEventSourceSpec extends StreamEventSourceSpec {
  readonly kind: 'kinesis';
  readonly streamName: string;
  /** Present for an enhanced fan-out mapping (EventSourceArn is a consumer ARN). */
  readonly consumerArn?: string;
  readonly consumerName?: string;
}

/** A mapping on a DynamoDB table's stream (EventSourceArn is the table's StreamArn). */
export interface DynamoDbStreamEventSourceSpec extends StreamEventSourceSpec {
  readonly kind: 'dynamodb';
  readonly tableName: string;
}

/**
 * An SNS -> Lambda subscription. The emulator cannot call a function, so the provisioner subscribes a
 * relay queue (with the subscription's filter policy) and the runtime invokes the function
 * asynchronously for each notification, as SNS would.
 */
export interface SnsSubscriptionSpec {
  readonly kind: 'sns';
  readonly logicalId: string;
  readonly functionName: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly relayQueueUrl: string;
}

export type EventSourceSpec = SqsEventSourceSpec | KinesisEventSourceSpec | DynamoDbStreamEventSourceSpec | SnsSubscriptionSpec;

/** A template provisioned into the emulators. */
export interface LocalDeployment {
  readonly stackName: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly functions: readonly FunctionSpec[];
  readonly eventSources: readonly EventSourceSpec[];
  /** SQS queue URL by queue ARN, for destinations and dead-letter targets given as ARNs. */
  readonly queueUrlsByArn: Readonly<Record<string, string>>;
  /** The resources created in the emulators, by logical id. */
  readonly resources?: Readonly<Record<string, ProvisionedResourceSummary>>;
  /** The resources skipped because they have no local meaning (IAM, log groups, policies...). */
  readonly skipped?: readonly SkippedResource[];
}

export interface ProvisionedResourceSummary {
  readonly type: string;
  /** The resource's Ref value: queue URL, topic ARN, stream/table/function name, consumer ARN... */
  readonly physicalId: string;
}

export interface SkippedResource {
  readonly logicalId: string;
  readonly type: string;
  /** Why the type has no local meaning. */
  readonly reason: string;
}
