import type { Template } from 'aws-cdk-lib/assertions';

interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** Resource types that hold data: each must say `Delete` explicitly, not lean on a default. */
const STATEFUL_TYPES = new Set([
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::Kinesis::Stream',
  'AWS::SQS::Queue',
  'AWS::Logs::LogGroup',
]);

const KEEPING_POLICIES = new Set(['Retain', 'RetainExceptOnCreate', 'Snapshot']);

/**
 * Everything `cdk destroy` must leave behind, as a list of problems (empty when the stack cleans up
 * after itself): retained or snapshotted resources, stateful resources without an explicit Delete
 * policy, log groups without retention, functions logging to a group the stack does not own.
 */
export function teardownProblems(template: Template): string[] {
  const resources = template.toJSON().Resources as Record<string, TemplateResource> | undefined;
  const problems: string[] = [];
  const logGroupIds = new Set<string>();
  for (const [id, resource] of Object.entries(resources ?? {})) {
    for (const attribute of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      const policy = resource[attribute];
      if (policy !== undefined && KEEPING_POLICIES.has(policy)) {
        problems.push(`${id} (${resource.Type}) has ${attribute} ${policy}`);
      }
    }
    if (STATEFUL_TYPES.has(resource.Type) && resource.DeletionPolicy !== 'Delete') {
      problems.push(`${id} (${resource.Type}) must have DeletionPolicy Delete, but has ${resource.DeletionPolicy ?? 'none'}`);
    }
    if (resource.Type === 'AWS::Logs::LogGroup') {
      logGroupIds.add(id);
      if (typeof resource.Properties?.['RetentionInDays'] !== 'number') {
        problems.push(`${id} (AWS::Logs::LogGroup) has no RetentionInDays: its logs would be kept forever`);
      }
    }
  }
  for (const [id, resource] of Object.entries(resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const loggingConfig = resource.Properties?.['LoggingConfig'] as { LogGroup?: unknown } | undefined;
    const ref = refOf(loggingConfig?.LogGroup);
    if (ref === undefined || !logGroupIds.has(ref)) {
      problems.push(
        `${id} (AWS::Lambda::Function) does not log to a log group of this stack (LoggingConfig.LogGroup: ` +
          `${JSON.stringify(loggingConfig?.LogGroup)}): Lambda would create /aws/lambda/<name> and keep it after destroy`,
      );
    }
  }
  return problems;
}

/** Fails, listing each problem, unless `cdk destroy` of the template's stack leaves nothing behind. */
export function expectNothingRetained(template: Template): void {
  const problems = teardownProblems(template);
  if (problems.length > 0) {
    throw new Error(`the stack would leave resources behind on destroy:\n${problems.join('\n')}`);
  }
}

function refOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && 'Ref' in value) {
    const ref = (value as { Ref: unknown }).Ref;
    return typeof ref === 'string' ? ref : undefined;
  }
  return undefined;
}
