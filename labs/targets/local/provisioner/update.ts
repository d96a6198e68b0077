import { isDeepStrictEqual } from 'node:util';
import type { RunningEmulators } from '../emulators';
import type { LocalDeployment } from '../model';
import type { CloudFormationTemplate } from './provision';
import { lazyClients } from './service-clients';
import { SKIPPED_TYPES } from './skipped';
import { updateStreamShardCount, type ShardCountUpdate } from './streams';

/**
 * The local cloud's stack update: the template synthesized again (other CDK context) against the one
 * the running resources were provisioned from, and the difference applied in place, as a CloudFormation
 * update would. Only what the labs change is supported, each through the API CloudFormation uses for
 * it: a provisioned stream's ShardCount (UpdateShardCount, uniform scaling). Anything else that differs
 * is refused before anything is touched, naming the resource and property: the running cloud has no
 * replacement or rollback to offer.
 */

export interface PropertyChange {
  readonly logicalId: string;
  readonly type: string;
  readonly property: string;
  readonly from: unknown;
  readonly to: unknown;
}

export interface OutputChange {
  readonly key: string;
  readonly from: string;
  readonly to: string;
}

export interface TemplateDiff {
  /** Changes applied to the running resources. */
  readonly properties: readonly PropertyChange[];
  /** Changes of resources the local cloud skips (no local meaning: IAM, log groups, schedules...). */
  readonly ignored: readonly PropertyChange[];
  readonly outputs: readonly OutputChange[];
}

/** Changes the local cloud applies in place, by resource type. */
const UPDATABLE: Readonly<Record<string, readonly string[]>> = {
  'AWS::Kinesis::Stream': ['ShardCount'],
};

const whatToDo = 'stop the lab and run it again with the new context; the local cloud provisions the new template from scratch';

/** The changes from `previous` to `next`; throws on any the local cloud cannot apply in place. */
export function diffTemplates(previous: object, next: object): TemplateDiff {
  const before = (previous as CloudFormationTemplate).Resources ?? {};
  const after = (next as CloudFormationTemplate).Resources ?? {};
  for (const logicalId of Object.keys(before)) {
    if (!(logicalId in after)) throw new Error(`the new template removes ${before[logicalId]?.Type} ${logicalId}: ${whatToDo}`);
  }
  const properties: PropertyChange[] = [];
  const ignored: PropertyChange[] = [];
  for (const [logicalId, resource] of Object.entries(after)) {
    const was = before[logicalId];
    if (was === undefined) throw new Error(`the new template adds ${resource.Type} ${logicalId}: ${whatToDo}`);
    if (was.Type !== resource.Type) throw new Error(`the new template turns ${logicalId} from ${was.Type} into ${resource.Type}: ${whatToDo}`);
    for (const attribute of ['Condition', 'DependsOn'] as const) {
      if (!isDeepStrictEqual(was[attribute], resource[attribute])) throw new Error(`the new template changes the ${attribute} of ${resource.Type} ${logicalId}: ${whatToDo}`);
    }
    const names = new Set([...Object.keys(was.Properties ?? {}), ...Object.keys(resource.Properties ?? {})]);
    for (const property of names) {
      const from = was.Properties?.[property];
      const to = resource.Properties?.[property];
      if (isDeepStrictEqual(from, to)) continue;
      if (resource.Type in SKIPPED_TYPES) {
        ignored.push({ logicalId, type: resource.Type, property, from, to });
        continue;
      }
      if (!(UPDATABLE[resource.Type] ?? []).includes(property)) {
        throw new Error(`the local cloud cannot update property ${property} of ${resource.Type} ${logicalId} in place: ${whatToDo}`);
      }
      properties.push({ logicalId, type: resource.Type, property, from, to });
    }
  }
  const outputs: OutputChange[] = [];
  const outputsBefore = (previous as CloudFormationTemplate).Outputs ?? {};
  for (const [key, output] of Object.entries((next as CloudFormationTemplate).Outputs ?? {})) {
    const was = outputsBefore[key];
    if (was === undefined) throw new Error(`the new template adds output ${key}: ${whatToDo}`);
    if (isDeepStrictEqual(was, output)) continue;
    // A literal output is recomputed here; one built from intrinsics would need the provisioning context.
    if (typeof was.Value !== 'string' || typeof output.Value !== 'string' || output.Condition !== was.Condition) {
      throw new Error(`the new template changes output ${key} in a way the local cloud cannot recompute in place: ${whatToDo}`);
    }
    outputs.push({ key, from: was.Value, to: output.Value });
  }
  return { properties, ignored, outputs };
}

export interface UpdateInput {
  readonly previous: object;
  readonly next: object;
  readonly deployment: LocalDeployment;
  readonly emulators: Pick<RunningEmulators, 'endpoints'>;
}

export interface StackUpdate extends TemplateDiff {
  readonly shardCounts: ReadonlyArray<ShardCountUpdate & { readonly logicalId: string }>;
  /** The stack outputs after the update. */
  readonly outputsAfter: Readonly<Record<string, string>>;
}

/** Applies the difference of two templates to the running deployment's resources. */
export async function updateStack(input: UpdateInput): Promise<StackUpdate> {
  const diff = diffTemplates(input.previous, input.next);
  const clients = lazyClients(input.emulators.endpoints);
  const shardCounts: Array<ShardCountUpdate & { logicalId: string }> = [];
  try {
    for (const change of diff.properties) {
      const physicalId = input.deployment.resources?.[change.logicalId]?.physicalId;
      if (physicalId === undefined) throw new Error(`${change.type} ${change.logicalId} was not provisioned, so it cannot be updated`);
      const target = Number(change.to);
      if (!Number.isInteger(target)) throw new Error(`${change.logicalId} ShardCount must be a whole number, but ${JSON.stringify(change.to)} was given`);
      shardCounts.push({ logicalId: change.logicalId, ...(await updateStreamShardCount(clients.kinesis, physicalId, target)) });
    }
  } finally {
    clients.destroy();
  }
  const outputsAfter = { ...input.deployment.outputs, ...Object.fromEntries(diff.outputs.map((o) => [o.key, o.to])) };
  return { ...diff, shardCounts, outputsAfter };
}
