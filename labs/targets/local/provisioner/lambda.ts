import { isAbsolute, join } from 'node:path';
import { arn, rejectUnsupported, required, type DeploymentState, type ProvisionedResource, type ResourceInput } from './resource-provisioner';
import { NAME_LIMITS, physicalName } from './names';

/** Lambda's defaults when a function or mapping leaves a setting out. */
export const LAMBDA_DEFAULTS = {
  timeoutSeconds: 3,
  memorySizeMiB: 128,
  asyncMaximumRetryAttempts: 2,
  sqsBatchSize: 10,
  kinesisBatchSize: 100,
  parallelizationFactor: 1,
  /** -1: retry until the record expires; -1: no age limit. */
  kinesisMaximumRetryAttempts: -1,
  kinesisMaximumRecordAgeSeconds: -1,
} as const;

/**
 * Function settings with no local meaning: the execution role (no IAM locally), architecture and
 * runtime version (the bundle runs on this machine's Node.js), networking, tracing, layers are
 * rejected below, the code location (the bundle comes from the asset metadata), tags, and storage.
 */
const FUNCTION_PROPERTIES_IGNORED = [
  'Role',
  'Architectures',
  'Runtime',
  'RuntimeManagementConfig',
  'Code',
  'Description',
  'Tags',
  'TracingConfig',
  'VpcConfig',
  'EphemeralStorage',
  'KmsKeyArn',
  'SnapStart',
  'CodeSigningConfigArn',
  'RecursiveLoop',
];

interface LoggingConfig {
  readonly LogFormat?: 'Text' | 'JSON';
  readonly LogGroup?: string;
  readonly ApplicationLogLevel?: string;
}

export async function createFunction(input: ResourceInput): Promise<ProvisionedResource> {
  const known = new Set([
    ...FUNCTION_PROPERTIES_IGNORED,
    'FunctionName',
    'Handler',
    'Timeout',
    'MemorySize',
    'Environment',
    'DeadLetterConfig',
    'ReservedConcurrentExecutions',
    'LoggingConfig',
  ]);
  rejectUnsupported(input, Object.keys(input.properties).filter((name) => !known.has(name)));
  const runtime = String(input.properties.Runtime ?? '');
  if (!runtime.startsWith('nodejs')) {
    throw new Error(`cannot provision ${input.type} (${input.logicalId}): runtime ${runtime} is not supported by the local cloud (Node.js only)`);
  }
  const assetPath = input.metadata['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new Error(
      `cannot provision ${input.type} (${input.logicalId}): it has no bundled asset (aws:asset:path metadata); only asset-based functions run locally`,
    );
  }
  const functionName =
    (input.properties.FunctionName as string | undefined) ??
    physicalName(input.stackName, input.logicalId, { maxLength: NAME_LIMITS.function });
  const functionArn = arn(input.pseudo, 'lambda', `function:${functionName}`);
  const variables = (input.properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  const logging = input.properties.LoggingConfig as LoggingConfig | undefined;
  const reserved = input.properties.ReservedConcurrentExecutions;
  const deadLetterTargetArn = (input.properties.DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn;
  input.state.functions.set(input.logicalId, {
    logicalId: input.logicalId,
    functionName,
    functionArn,
    bundleDir: isAbsolute(assetPath) ? assetPath : join(input.assemblyDir, assetPath),
    handler: required<string>(input, 'Handler'),
    runtime,
    timeoutSeconds: Number(input.properties.Timeout ?? LAMBDA_DEFAULTS.timeoutSeconds),
    memorySizeMiB: Number(input.properties.MemorySize ?? LAMBDA_DEFAULTS.memorySizeMiB),
    environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])),
    ...(reserved !== undefined ? { reservedConcurrentExecutions: Number(reserved) } : {}),
    asyncInvoke: {
      maximumRetryAttempts: LAMBDA_DEFAULTS.asyncMaximumRetryAttempts,
      ...(deadLetterTargetArn ? { deadLetterTargetArn } : {}),
    },
    ...(logging?.LogFormat ? { logFormat: logging.LogFormat } : {}),
    ...(logging?.LogGroup ? { logGroupName: logging.LogGroup } : {}),
    ...(logging?.ApplicationLogLevel ? { applicationLogLevel: logging.ApplicationLogLevel } : {}),
  });
  return { ref: functionName, attributes: { Arn: functionArn } };
}

/** The function a FunctionName property (a name, an ARN, or a partial ARN) designates. */
export function functionNamed(state: DeploymentState, input: ResourceInput, nameOrArn: string) {
  const name = nameOrArn.includes(':function:') ? nameOrArn.split(':function:')[1].split(':')[0] : nameOrArn;
  const found = [...state.functions.values()].find((fn) => fn.functionName === name);
  if (!found) {
    throw new Error(`${input.type} (${input.logicalId}) names function ${nameOrArn}, which is not a function of this stack`);
  }
  return found;
}

export interface Destinations {
  readonly OnFailure?: { readonly Destination?: string };
  readonly OnSuccess?: { readonly Destination?: string };
}

/** AWS::Lambda::EventInvokeConfig: the asynchronous invocation settings of a function. */
export async function applyEventInvokeConfig(input: ResourceInput): Promise<ProvisionedResource> {
  rejectUnsupported(
    input,
    Object.keys(input.properties).filter(
      (name) => !['FunctionName', 'Qualifier', 'MaximumRetryAttempts', 'MaximumEventAgeInSeconds', 'DestinationConfig'].includes(name),
    ),
  );
  const fn = functionNamed(input.state, input, required<string>(input, 'FunctionName'));
  const qualifier = String(input.properties.Qualifier ?? '$LATEST');
  if (qualifier !== '$LATEST') {
    throw new Error(`cannot provision ${input.type} (${input.logicalId}): qualifier ${qualifier} (only $LATEST runs locally)`);
  }
  const destinations = input.properties.DestinationConfig as Destinations | undefined;
  const retries = input.properties.MaximumRetryAttempts;
  const maxAge = input.properties.MaximumEventAgeInSeconds;
  fn.asyncInvoke = {
    ...fn.asyncInvoke,
    ...(retries !== undefined ? { maximumRetryAttempts: Number(retries) } : {}),
    ...(maxAge !== undefined ? { maximumEventAgeSeconds: Number(maxAge) } : {}),
    ...(destinations?.OnFailure?.Destination ? { onFailureDestinationArn: destinations.OnFailure.Destination } : {}),
    ...(destinations?.OnSuccess?.Destination ? { onSuccessDestinationArn: destinations.OnSuccess.Destination } : {}),
  };
  return { ref: `${fn.functionName}:${qualifier}`, attributes: {} };
}
