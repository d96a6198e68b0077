import { randomUUID } from 'node:crypto';
import type { RunningEmulators } from '../emulators';
import { resolveIntrinsics, type IntrinsicContext, type PseudoParameters } from '../intrinsics';
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_REGION,
  type LocalDeployment,
  type ProvisionedResourceSummary,
  type ServiceName,
  type SkippedResource,
} from '../model';
import type { DeploymentState, ProvisionedResource, ResourceProvisioner } from './resource-provisioner';
import { lazyClients } from './service-clients';
import { creationWaves, type TemplateResource } from './graph';
import { createEventSourceMapping } from './event-source-mappings';
import { applyEventInvokeConfig, createFunction } from './lambda';
import { createQueue, createSubscription, createTopic } from './messaging';
import { SKIPPED_TYPES } from './skipped';
import { createTable } from './dynamodb';
import { createStream, createStreamConsumer } from './streams';
import { createHttpApi, createHttpRouteOrIntegration, createHttpStage } from './http-api';

/** The resource types the local cloud creates, and the emulators each one needs. */
const PROVISIONERS: Readonly<Record<string, { readonly create: ResourceProvisioner; readonly services: readonly ServiceName[] }>> = {
  'AWS::SQS::Queue': { create: createQueue, services: ['sqs'] },
  'AWS::SNS::Topic': { create: createTopic, services: ['sns'] },
  // An SNS -> Lambda subscription delivers through a relay queue.
  'AWS::SNS::Subscription': { create: createSubscription, services: ['sns', 'sqs'] },
  'AWS::Kinesis::Stream': { create: createStream, services: ['kinesis'] },
  'AWS::Kinesis::StreamConsumer': { create: createStreamConsumer, services: ['kinesis'] },
  'AWS::DynamoDB::Table': { create: createTable, services: ['dynamodb'] },
  'AWS::Lambda::Function': { create: createFunction, services: [] },
  'AWS::Lambda::EventInvokeConfig': { create: applyEventInvokeConfig, services: [] },
  'AWS::Lambda::EventSourceMapping': { create: createEventSourceMapping, services: [] },
  // Served by the runtime's loopback HTTP API server, not by an emulator.
  'AWS::ApiGatewayV2::Api': { create: createHttpApi, services: [] },
  'AWS::ApiGatewayV2::Stage': { create: createHttpStage, services: [] },
  'AWS::ApiGatewayV2::Route': { create: createHttpRouteOrIntegration, services: [] },
  'AWS::ApiGatewayV2::Integration': { create: createHttpRouteOrIntegration, services: [] },
};

export interface CloudFormationTemplate {
  readonly Resources?: Readonly<Record<string, TemplateResource>>;
  readonly Parameters?: Readonly<Record<string, { readonly Default?: unknown }>>;
  readonly Conditions?: Readonly<Record<string, unknown>>;
  readonly Outputs?: Readonly<Record<string, { readonly Value: unknown; readonly Condition?: string }>>;
}

export interface ProvisionInput {
  /** The synthesized CloudFormation template (JSON object). */
  readonly template: object;
  readonly stackName: string;
  /** The cloud assembly directory the template's asset paths are relative to. */
  readonly assemblyDir: string;
  readonly emulators: Pick<RunningEmulators, 'endpoints'>;
  readonly log?: (line: string) => void;
  /** Loopback URL of the server of each HTTP API, by the API's logical id (see runtime/http-api.ts). */
  readonly httpApiEndpoints?: Readonly<Record<string, string>>;
}

/** The emulators a template needs, for `startEmulators`. Throws on a resource type the local cloud cannot provision. */
export function requiredServices(template: object): ServiceName[] {
  const services = new Set<ServiceName>();
  for (const [logicalId, resource] of Object.entries((template as CloudFormationTemplate).Resources ?? {})) {
    provisionerFor(resource.Type, logicalId)?.services.forEach((service) => services.add(service));
  }
  return [...services].sort();
}

function provisionerFor(type: string, logicalId: string) {
  if (type in SKIPPED_TYPES) {
    return undefined;
  }
  const provisioner = PROVISIONERS[type];
  if (!provisioner) {
    throw new Error(`cannot provision ${type} (${logicalId}): the local cloud does not support it`);
  }
  return provisioner;
}

/**
 * Creates a template's resources in the emulators in dependency order (independent resources at the
 * same time), with CloudFormation-like generated names, resolving intrinsics as CloudFormation does;
 * returns what the Lambda runtime needs and the stack outputs. Every resource type is checked before
 * anything is created, so an unsupported template fails without side effects.
 */
export async function provision(input: ProvisionInput): Promise<LocalDeployment> {
  const template = input.template as CloudFormationTemplate;
  const log = input.log ?? (() => undefined);
  const resources = template.Resources ?? {};
  for (const [logicalId, resource] of Object.entries(resources)) {
    provisionerFor(resource.Type, logicalId);
  }
  const pseudo: PseudoParameters = {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    partition: 'aws',
    stackName: input.stackName,
    stackId: `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stack/${input.stackName}/${randomUUID()}`,
    urlSuffix: 'amazonaws.com',
  };
  const created = new Map<string, ProvisionedResource>();
  const conditionValues = new Map<string, boolean>();
  const context: IntrinsicContext = {
    pseudo,
    ref: (logicalId) => {
      const resource = created.get(logicalId);
      if (resource) {
        return resource.ref;
      }
      const parameter = template.Parameters?.[logicalId];
      if (parameter) {
        if (parameter.Default === undefined) {
          throw new Error(`parameter ${logicalId} has no default value, and the local cloud takes no parameters`);
        }
        return parameter.Default;
      }
      if (logicalId in resources) {
        throw new Error(`Ref to ${logicalId}, which is not created (its condition is false)`);
      }
      throw new Error(`Ref to ${logicalId}: no such resource or parameter in the template`);
    },
    getAtt: (logicalId, attribute) => {
      const resource = created.get(logicalId);
      if (!resource) {
        throw new Error(`Fn::GetAtt of ${logicalId}.${attribute}: no such resource is created`);
      }
      if (!(attribute in resource.attributes)) {
        throw new Error(
          `Fn::GetAtt: ${logicalId} (${resources[logicalId].Type}) has no attribute ${attribute} in the local cloud`,
        );
      }
      return resource.attributes[attribute];
    },
    condition: (name) => {
      const known = conditionValues.get(name);
      if (known !== undefined) {
        return known;
      }
      const expression = template.Conditions?.[name];
      if (expression === undefined) {
        throw new Error(`condition ${name} is not defined in the template`);
      }
      const value = resolveIntrinsics(expression, context);
      if (typeof value !== 'boolean') {
        throw new Error(`condition ${name} does not evaluate to true or false`);
      }
      conditionValues.set(name, value);
      return value;
    },
  };

  const clients = lazyClients(input.emulators.endpoints);
  const state: DeploymentState = { functions: new Map(), eventSources: [], queueUrlsByArn: {} };
  const skipped: SkippedResource[] = [];
  const summaries: Record<string, ProvisionedResourceSummary> = {};
  try {
    for (const wave of creationWaves(resources)) {
      await Promise.all(
        wave.map(async (logicalId) => {
          const resource = resources[logicalId];
          if (resource.Condition !== undefined && !context.condition(resource.Condition)) {
            return;
          }
          const properties = resolveIntrinsics(resource.Properties ?? {}, context) as Record<string, unknown>;
          const skip = SKIPPED_TYPES[resource.Type];
          if (skip) {
            created.set(logicalId, skip.identify(logicalId, properties, input.stackName, pseudo));
            skipped.push({ logicalId, type: resource.Type, reason: skip.why });
            return;
          }
          const result = await PROVISIONERS[resource.Type].create({
            logicalId,
            type: resource.Type,
            properties,
            metadata: resource.Metadata ?? {},
            stackName: input.stackName,
            assemblyDir: input.assemblyDir,
            pseudo,
            clients,
            state,
            log,
            ...(input.httpApiEndpoints ? { httpApiEndpoints: input.httpApiEndpoints } : {}),
          });
          created.set(logicalId, result);
          summaries[logicalId] = { type: resource.Type, physicalId: result.ref };
          log(`created ${resource.Type} ${logicalId}: ${result.ref}`);
        }),
      );
    }
    const outputs: Record<string, string> = {};
    for (const [key, output] of Object.entries(template.Outputs ?? {})) {
      if (output.Condition === undefined || context.condition(output.Condition)) {
        const value = resolveIntrinsics(output.Value, context);
        outputs[key] = typeof value === 'string' ? value : JSON.stringify(value);
      }
    }
    return {
      stackName: input.stackName,
      outputs,
      functions: [...state.functions.values()],
      eventSources: state.eventSources,
      queueUrlsByArn: state.queueUrlsByArn,
      resources: summaries,
      skipped: skipped.sort((a, b) => a.logicalId.localeCompare(b.logicalId)),
    };
  } finally {
    clients.destroy();
  }
}
