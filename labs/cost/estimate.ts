import { DEFAULT_ASSUMPTIONS, type CostAssumptions } from './assumptions';
import { estimateIdleCost, type IdleLineItem } from './idle';
import { estimatePathCost, type ModuleCostModel, type PathLineItem } from './path';
import type { CfnTemplate } from './template';

/**
 * The cost estimator: pure functions from a synthesized template (and stated assumptions) to dollars.
 *
 * - Idle cost (labs/cost/idle.ts): what the deployed stack bills per hour with no traffic; every
 *   resource type is priced by a rule or listed as not billed while idle, any other type is an error.
 * - Per million messages (labs/cost/path.ts): what one million messages through the module's path
 *   cost, from the module's own model (its lab in labs/modules/), which reads the template's settings
 *   and states every assumption it adds.
 */

export interface ModuleCostEstimate {
  readonly module: string;
  /** Dollars per hour the module's default deployment may bill while idle. */
  readonly idleTargetPerHour: number;
  readonly idlePerHour: number;
  readonly idlePerMonth: number;
  readonly perMillionMessages: number;
  readonly lineItems: { readonly idle: readonly IdleLineItem[]; readonly perMillionMessages: readonly PathLineItem[] };
  readonly notBilledWhileIdle: readonly string[];
  readonly assumptions: readonly string[];
}

/** Idle and per-message cost of one module's template. */
export function estimateModuleCost(
  moduleName: string,
  cost: ModuleCostModel,
  template: CfnTemplate,
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): ModuleCostEstimate {
  const idle = estimateIdleCost(template, assumptions);
  const path = estimatePathCost(cost.path, template, assumptions);
  return {
    module: moduleName,
    idleTargetPerHour: cost.idleTargetPerHour,
    idlePerHour: idle.perHour,
    idlePerMonth: idle.perMonth,
    perMillionMessages: path.perMillionMessages,
    lineItems: { idle: idle.lineItems, perMillionMessages: path.lineItems },
    notBilledWhileIdle: idle.notBilledWhileIdle,
    assumptions: [...idle.assumptions, ...path.assumptions],
  };
}
