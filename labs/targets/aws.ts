import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { CloudFormationClient, DescribeStacksCommand, GetTemplateCommand, type Stack } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { fromIni } from '@aws-sdk/credential-providers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { stackIdFor, type LabModule } from '../../lib/modules';
import { checkAccountConcurrency, checkEventSourceMappings, type PreflightContext } from './aws-preflight';
import { cdkCommand } from '../cdk-command';
import { cloudWatchLogSource, functionLogGroups } from './cloudwatch-log-source';
import { requestTimeoutConfig } from './request-handler';
import { outputReader, type FunctionInvoker, type LabClients, type OpenOptions, type StackTemplate, type Target, type TargetSession } from './target';

/** Where the SDK clients point: region, and a profile's credentials when one is named (or an endpoint and its key). */
export interface ClientConfig {
  readonly region?: string;
  readonly profile?: string;
  readonly credentials?: ReturnType<typeof fromIni> | { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The running local cloud's endpoint (`labs up`), which takes every service. */
  readonly endpoint?: string;
}

/**
 * One client's configuration: `config` with the lab tool's request timeouts and attempts, a handler of
 * its own (destroying a client ends its handler's connections). HTTP/1.1, which every call of the lab
 * tool speaks (only SubscribeToShard needs HTTP/2 on AWS, and the lab tool does not call it); the local
 * cloud's endpoint speaks nothing else.
 */
function clientConfig<C extends ClientConfig>(config: C): C & ReturnType<typeof requestTimeoutConfig> {
  return { ...config, ...requestTimeoutConfig() };
}


/** Stack states whose outputs describe a working stack. */
const USABLE_STATES = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);

/** Errors of the connection itself (DNS, refused, reset, timed out): AWS was never reached. */
const NETWORK_ERROR_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * The lab's next step for an error the SDK raised while finding the stack: one line, no stack trace.
 * Unknown errors keep their own message.
 */
export function describeAwsError(error: unknown, context: { stackName: string; region: string; stackPrefix: string }): string {
  const e = error as { name?: string; message?: string; Code?: string };
  const name = e.name ?? '';
  const message = e.message ?? String(error);
  if (name === 'CredentialsProviderError' || /could not load credentials/i.test(message)) {
    return 'no AWS credentials found: run `aws configure` (or `aws sso login`), set AWS_PROFILE, or pass --profile; without an AWS account use --target local';
  }
  if (['ExpiredToken', 'ExpiredTokenException', 'TokenRefreshRequired'].includes(name) || /token.*expired/i.test(message)) {
    return 'your AWS credentials have expired: sign in again (e.g. `aws sso login`) and rerun';
  }
  if (['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch'].includes(name)) {
    return `your AWS credentials were rejected (${name}): check the profile or keys in use`;
  }
  if (name === 'ValidationError' && /does not exist/i.test(message)) {
    return `stack ${context.stackName} is not deployed in ${context.region}: run \`${cdkCommand('deploy', context)}\``;
  }
  const code = (error as { code?: unknown }).code;
  if (name === 'TimeoutError' || (typeof code === 'string' && NETWORK_ERROR_CODES.has(code))) {
    return `cannot reach AWS CloudFormation in ${context.region} (${typeof code === 'string' ? code : name}): check your network connection and --region; without an AWS account use --target local`;
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    return `not allowed to read stack ${context.stackName} in ${context.region}: the identity needs cloudformation:DescribeStacks (${message})`;
  }
  return message.split('\n')[0] ?? message;
}

/** Checks a described stack and returns its outputs, or says in one line what to do. */
export function stackOutputs(
  stack: Stack | undefined,
  module: Pick<LabModule, 'outputs'>,
  context: { stackName: string; region: string; stackPrefix: string },
): Record<string, string> {
  const deploy = cdkCommand('deploy', context);
  if (!stack || stack.StackStatus === 'DELETE_COMPLETE') {
    throw new Error(`stack ${context.stackName} is not deployed in ${context.region}: run \`${deploy}\``);
  }
  const status = String(stack.StackStatus);
  if (status.endsWith('_IN_PROGRESS')) {
    throw new Error(`stack ${context.stackName} in ${context.region} is ${status}: wait for it to finish, then rerun`);
  }
  if (!USABLE_STATES.has(status)) {
    throw new Error(`stack ${context.stackName} in ${context.region} is ${status}: fix or delete it (\`${cdkCommand('destroy', context)}\`), then run \`${deploy}\``);
  }
  const outputs: Record<string, string> = {};
  for (const output of stack.Outputs ?? []) {
    if (output.OutputKey !== undefined && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue;
  }
  const missing = module.outputs.filter((key) => outputs[key] === undefined);
  if (missing.length > 0) {
    throw new Error(
      `stack ${context.stackName} in ${context.region} is of an older shape (missing output${missing.length > 1 ? 's' : ''} ${missing.join(', ')}): redeploy it with \`${deploy}\``,
    );
  }
  return outputs;
}

function lambdaInvoker(client: LambdaClient): FunctionInvoker {
  return {
    invoke: async (functionName, payload) => {
      const response = await client.send(
        new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(payload)) }),
      );
      const text = response.Payload ? new TextDecoder().decode(response.Payload) : '';
      const body: unknown = text === '' ? undefined : JSON.parse(text);
      if (response.FunctionError) {
        const { errorType, errorMessage } = (body ?? {}) as { errorType?: string; errorMessage?: string };
        throw new Error(`function ${functionName} failed (${errorType ?? response.FunctionError}): ${errorMessage ?? text}`);
      }
      return body;
    },
  };
}

export function awsClients(config: ClientConfig): LabClients & { destroy(): void } {
  const sqs = new SQSClient(clientConfig(config));
  const sns = new SNSClient(clientConfig(config));
  const kinesis = new KinesisClient(clientConfig(config));
  const dynamodbClient = new DynamoDBClient(clientConfig(config));
  const dynamodb = DynamoDBDocumentClient.from(dynamodbClient, { marshallOptions: { removeUndefinedValues: true } });
  const dynamodbStreams = new DynamoDBStreamsClient(clientConfig(config));
  const lambda = new LambdaClient(clientConfig(config));
  return {
    sqs,
    sns,
    kinesis,
    dynamodb,
    dynamodbStreams,
    lambda: lambdaInvoker(lambda),
    destroy: () => {
      for (const client of [sqs, sns, kinesis, dynamodbClient, dynamodbStreams, lambda]) client.destroy();
    },
  };
}

/**
 * The deployed stacks: resources come from the stack's CloudFormation outputs, clients are the real
 * ones (region and credentials from --region/--profile or the SDK's usual chain).
 */
export const awsTarget: Target = {
  name: 'aws',
  async open<Output extends string>(module: LabModule<Output>, options: OpenOptions): Promise<TargetSession<Output>> {
    const stackPrefix = options.stackPrefix ?? '';
    const stackName = stackIdFor(module, stackPrefix);
    const config: ClientConfig = {
      ...(options.region ? { region: options.region } : {}),
      ...(options.profile ? { profile: options.profile, credentials: fromIni({ profile: options.profile }) } : {}),
    };
    const cloudformation = new CloudFormationClient(clientConfig(config));
    let region: string;
    try {
      region = await cloudformation.config.region();
    } catch (error) {
      cloudformation.destroy();
      throw new Error('no AWS region configured: pass --region, set AWS_REGION, or set a region in your AWS profile', { cause: error });
    }
    const context = { stackName, region, stackPrefix };
    let outputs: Record<string, string>;
    let stack: Stack | undefined;
    const preflightLambda = new LambdaClient(clientConfig({ ...config, region }));
    try {
      try {
        const response = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
        stack = response.Stacks?.[0];
        outputs = stackOutputs(stack, module, context);
      } catch (error) {
        if (error instanceof Error && error.message.startsWith(`stack ${stackName}`)) throw error;
        throw new Error(describeAwsError(error, context), { cause: error });
      }
      options.log?.(`using stack ${stackName} in ${region}`);
      const preflight: PreflightContext = { stackName, region, deploy: cdkCommand('deploy', context), log: options.log ?? (() => undefined) };
      await checkEventSourceMappings(cloudformation, preflightLambda, preflight);
      const need = options.requiredConcurrency?.(outputs);
      if (need !== undefined) await checkAccountConcurrency(preflightLambda, need, preflight);
    } finally {
      cloudformation.destroy();
      preflightLambda.destroy();
    }
    const stackChangedAt = stack?.LastUpdatedTime ?? stack?.CreationTime;
    const clients = awsClients({ ...config, region });
    const logsClient = new CloudWatchLogsClient(clientConfig({ ...config, region }));
    const logGroupReader = new LambdaClient(clientConfig({ ...config, region }));
    let closed = false;
    return {
      target: 'aws',
      region,
      stackName,
      ...(stackChangedAt ? { stackChangedAt } : {}),
      output: outputReader(stackName, outputs, `redeploy it with \`${cdkCommand('deploy', context)}\``),
      clients,
      template: async () => {
        const reader = new CloudFormationClient(clientConfig({ ...config, region }));
        try {
          const body = (await reader.send(new GetTemplateCommand({ StackName: stackName, TemplateStage: 'Original' }))).TemplateBody;
          return JSON.parse(body ?? '{}') as StackTemplate;
        } finally {
          reader.destroy();
        }
      },
      logs: cloudWatchLogSource(logsClient, functionLogGroups(logGroupReader)),
      close: async () => {
        if (!closed) {
          clients.destroy();
          logsClient.destroy();
          logGroupReader.destroy();
        }
        closed = true;
      },
    };
  },
};
