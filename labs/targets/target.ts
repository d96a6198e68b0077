import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LabModule } from '../../lib/modules';
import type { LogSource } from './log-source';

export type TargetName = 'local' | 'aws';

/** Synchronous (RequestResponse) invocation of a deployed function by its physical name. */
export interface FunctionInvoker {
  invoke(functionName: string, payload: unknown): Promise<unknown>;
}

/** SDK clients a scenario drives and observes the pattern with, pointed at AWS or at the local cloud. */
export interface LabClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBDocumentClient;
  /** A table's change stream, read as a rebuild does (DescribeStream, GetShardIterator, GetRecords). */
  readonly dynamodbStreams: DynamoDBStreamsClient;
  readonly lambda: FunctionInvoker;
}

/**
 * One module's deployed (or locally provisioned) stack, ready for a scenario. `Output` is the union of
 * the stack's output keys (see LabModule): reading any other key does not compile.
 */
export interface TargetSession<Output extends string = string> {
  readonly target: TargetName;
  readonly region: string;
  readonly stackName: string;
  /** When the stack was created or last updated, where the target knows it (AWS). */
  readonly stackChangedAt?: Date;
  /**
   * The stack output `key`; throws, saying to redeploy, when the stack has no such output. A property,
   * not a method, so that a session of fewer outputs is not accepted where more are read.
   */
  readonly output: (key: Output) => string;
  readonly clients: LabClients;
  /**
   * The stack's template as deployed (AWS) or synthesized (local), for labs that read definitions
   * from it (the queue alarms the local cloud has no CloudWatch for). Absent where the target cannot
   * give it (a `labs up` cloud attached to).
   */
  readonly template?: () => Promise<StackTemplate>;
  /**
   * Deploys the stack again with these CDK context values over the ones it was opened with, as
   * `npx cdk deploy -c key=value` would, resolving once the change is applied (local target: the
   * template synthesized again and its difference applied to the running resources). Absent where a
   * lab must not change the stack: on AWS CloudFormation owns it, and a `labs up` cloud is shared.
   */
  readonly redeploy?: (context: Readonly<Record<string, unknown>>) => Promise<StackRedeploy>;
  /**
   * The stack's function logs, read back: the local runtime's log store (this process's, or a `labs
   * up` cloud's through its control API), CloudWatch Logs on AWS.
   */
  readonly logs?: LogSource;
  /** Releases everything the session started (emulators, pollers, clients). Safe to call twice. */
  close(): Promise<void>;
}

/** What a redeploy changed, one line per change (`Stream ShardCount 4 -> 8: 4 SplitShard`). */
export interface StackRedeploy {
  readonly changes: readonly string[];
}

/** The part of a CloudFormation template the labs read. */
export interface StackTemplate {
  readonly Resources?: Readonly<Record<string, { readonly Type: string; readonly Properties?: Record<string, unknown> }>>;
  readonly Outputs?: Readonly<Record<string, { readonly Value?: unknown }>>;
}

/** The session's template, or an error saying how to run the lab where it can be read. */
export async function templateOf<Output extends string>(session: TargetSession<Output>): Promise<StackTemplate> {
  if (session.template === undefined) {
    throw new Error(`this lab reads ${session.stackName}'s template, which the running local cloud (labs up) does not share: stop it with \`npx labs down\`, or run the lab in another checkout`);
  }
  return session.template();
}

/** Lambda executions a lab will run at once, and where the number comes from (`5 shards x 3 consumers`). */
export interface ConcurrencyNeed {
  readonly executions: number;
  readonly reason: string;
}

export interface OpenOptions {
  /** CDK context for the synthesized stack (local target), e.g. `{ workerPoolSize: 5 }`. */
  readonly context?: Record<string, unknown>;
  /** Per-student stack prefix. */
  readonly stackPrefix?: string;
  /** Stream handler logs to stderr. */
  readonly verbose?: boolean;
  /** AWS target: region and profile. */
  readonly region?: string;
  readonly profile?: string;
  /** AWS target: what the lab will need of the account's Lambda concurrency, from the stack's outputs. */
  readonly requiredConcurrency?: (outputs: Readonly<Record<string, string>>) => ConcurrencyNeed | undefined;
  /** Progress and log lines for the user (stderr). */
  readonly log?: (line: string) => void;
}

export interface Target {
  readonly name: TargetName;
  open<Output extends string>(module: LabModule<Output>, options: OpenOptions): Promise<TargetSession<Output>>;
}

/**
 * The `output` reader of a session over `outputs` (as CloudFormation or the local provisioner reports
 * them). A missing or empty output means the stack is not of this version of the lab: `whatToDo` says
 * how to get one that is.
 */
export function outputReader<Output extends string>(
  stackName: string,
  outputs: Readonly<Record<string, string>>,
  whatToDo: string,
): (key: Output) => string {
  return (key) => {
    const value = outputs[key];
    if (value === undefined || value === '') throw new Error(`stack ${stackName} has no output ${key}: ${whatToDo}`);
    return value;
  };
}
