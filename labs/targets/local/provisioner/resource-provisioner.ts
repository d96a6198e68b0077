import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { PseudoParameters } from '../intrinsics';
import type { AsyncInvokeConfig, EventSourceSpec, FunctionSpec } from '../model';

/** What a created resource answers to: its `Ref` value and its `Fn::GetAtt` attributes. */
export interface ProvisionedResource {
  readonly ref: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ServiceClients {
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly kinesis: KinesisClient;
  readonly dynamodb: DynamoDBClient;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The deployment as it is being built; functions stay mutable until EventInvokeConfigs are applied. */
export interface DeploymentState {
  readonly functions: Map<string, Mutable<FunctionSpec> & { asyncInvoke: Mutable<AsyncInvokeConfig> }>;
  readonly eventSources: EventSourceSpec[];
  readonly queueUrlsByArn: Record<string, string>;
}

/** Everything a resource type's provisioner gets for one resource. */
export interface ResourceInput {
  readonly logicalId: string;
  readonly type: string;
  /** Properties with every intrinsic resolved. */
  readonly properties: Record<string, unknown>;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly stackName: string;
  readonly assemblyDir: string;
  readonly pseudo: PseudoParameters;
  readonly clients: ServiceClients;
  readonly state: DeploymentState;
  readonly log: (line: string) => void;
  /** Loopback URL of the server serving each HTTP API, by the API's logical id. */
  readonly httpApiEndpoints?: Readonly<Record<string, string>>;
}

export type ResourceProvisioner = (input: ResourceInput) => Promise<ProvisionedResource>;

/** Reads a property the resource cannot do without. */
export function required<T>(input: ResourceInput, name: string): T {
  const value = input.properties[name];
  if (value === undefined || value === null) {
    throw new Error(`${input.type} (${input.logicalId}) has no ${name}`);
  }
  return value as T;
}

/** Errors on properties this local cloud would otherwise drop without a word. */
export function rejectUnsupported(input: ResourceInput, names: readonly string[]): void {
  for (const name of names) {
    if (input.properties[name] !== undefined) {
      throw new Error(
        `cannot provision ${input.type} (${input.logicalId}): property ${name} is not supported by the local cloud`,
      );
    }
  }
}

export function arn(pseudo: PseudoParameters, service: string, resource: string, region = pseudo.region): string {
  return `arn:${pseudo.partition}:${service}:${region}:${pseudo.accountId}:${resource}`;
}
