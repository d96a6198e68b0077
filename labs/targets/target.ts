import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { LabModule } from '../../lib/modules';

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
  readonly lambda: FunctionInvoker;
}

/** One module's deployed (or locally provisioned) stack, ready for a scenario. */
export interface TargetSession {
  readonly target: TargetName;
  readonly region: string;
  readonly stackName: string;
  /** When the stack was created or last updated, where the target knows it (AWS). */
  readonly stackChangedAt?: Date;
  /** The stack's outputs by key (the keys the registry lists for the module). */
  readonly outputs: Readonly<Record<string, string>>;
  readonly clients: LabClients;
  /** Releases everything the session started (emulators, pollers, clients). Safe to call twice. */
  close(): Promise<void>;
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
  open(module: LabModule, options: OpenOptions): Promise<TargetSession>;
}
