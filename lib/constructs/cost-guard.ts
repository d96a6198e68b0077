import { Annotations, AspectPriority, Aspects, Aws, CfnResource, DefaultStackSynthesizer, Stack, Token, type IAspect } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { Universal } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct, type IConstruct } from 'constructs';
import { numberFromContext } from '../context-values';

/** Context key of the guard's lifetime: `cdk deploy -c expiresInHours=8`, or `-c expiresInHours=off`. */
export const EXPIRES_IN_HOURS_CONTEXT = 'expiresInHours';
/** Context key of the clock the deadline counts from (ISO 8601); tests and snapshots pin it. */
export const COST_GUARD_NOW_CONTEXT = 'costGuardNow';
/** The value of `expiresInHours` that turns a module's default guard off. */
export const COST_GUARD_OFF = 'off';

const MIN_HOURS = 1;
/** One week: a guard is a safety net for a lab session, not a scheduler for long-lived stacks. */
const MAX_HOURS = 168;

export interface CostGuardProps {
  /**
   * Whole hours after `now` at which the stack deletes itself (1 to 168). Every deploy synthesizes a new
   * deadline, so redeploying a stack gives it another `expiresInHours`.
   */
  readonly expiresInHours: number;
  /**
   * The clock the deadline counts from.
   * @default - the time of synthesis, which `cdk deploy` runs just before deploying
   */
  readonly now?: Date;
}

export interface CostGuardFromContextOptions {
  /**
   * Lifetime when the context does not set `expiresInHours`.
   * @default - no guard unless `-c expiresInHours=N` asks for one
   */
  readonly defaultExpiresInHours?: number;
}

/**
 * Deletes its own CloudFormation stack `expiresInHours` after deployment, so a forgotten lab stops
 * billing: a one-shot EventBridge Scheduler schedule (`at(...)`, fires once) calls CloudFormation
 * DeleteStack on this stack's id through the Scheduler's universal target.
 *
 * Least privilege: the schedule's role may call `cloudformation:DeleteStack` on this stack's ARN
 * (`AWS::StackId`, this stack instance only) and nothing else, and only EventBridge Scheduler of this
 * account may assume it. The role needs no permission on the resources being deleted: CloudFormation
 * deletes them with the service role the stack was deployed with (the CDK bootstrap's CloudFormation
 * execution role), which it keeps using for every later operation on the stack, whoever asks and
 * without iam:PassRole. Granting the resources' delete actions to the guard instead would be both
 * broader (account-wide delete rights on queues, functions and roles) and not enough (a role cannot
 * delete itself once its policy is gone). A stack deployed without a service role gets a warning.
 *
 * The schedule is deleted by the deletion it starts (it is a resource of this stack); a spent `at()`
 * schedule never fires again, so nothing is left that could bill or act in the meantime.
 */
export class CostGuard extends Construct {
  /**
   * A guard configured by CDK context: `-c expiresInHours=N` (1 to 168) turns it on or changes its
   * lifetime, `-c expiresInHours=off` turns it off, `-c costGuardNow=<ISO date>` pins the clock.
   * Returns `undefined` when no guard is asked for.
   */
  public static fromContext(
    scope: Construct,
    id: string,
    context: (key: string) => unknown,
    options: CostGuardFromContextOptions = {},
  ): CostGuard | undefined {
    const raw = context(EXPIRES_IN_HOURS_CONTEXT);
    if (typeof raw === 'string' && raw.trim().toLowerCase() === COST_GUARD_OFF) return undefined;
    const expiresInHours = numberFromContext(context, EXPIRES_IN_HOURS_CONTEXT) ?? options.defaultExpiresInHours;
    if (expiresInHours === undefined) return undefined;
    const rawNow = context(COST_GUARD_NOW_CONTEXT);
    const now = rawNow === undefined || rawNow === null || rawNow === '' ? undefined : new Date(String(rawNow));
    if (now !== undefined && Number.isNaN(now.getTime())) {
      throw new Error(`context value ${COST_GUARD_NOW_CONTEXT} must be an ISO 8601 date, but '${String(rawNow)}' was provided`);
    }
    return new CostGuard(scope, id, { expiresInHours, now });
  }

  /** When the schedule fires (whole seconds, UTC). */
  public readonly expiresAt: Date;
  /** The one-shot schedule that deletes the stack. */
  public readonly schedule: Schedule;
  /** The role EventBridge Scheduler assumes to call DeleteStack. */
  public readonly role: Role;

  constructor(scope: Construct, id: string, props: CostGuardProps) {
    super(scope, id);
    const { expiresInHours } = props;
    if (Token.isUnresolved(expiresInHours)) {
      throw new Error('expiresInHours must be a literal number: the deadline is computed at synthesis');
    }
    if (!Number.isInteger(expiresInHours) || expiresInHours < MIN_HOURS || expiresInHours > MAX_HOURS) {
      throw new Error(
        `expiresInHours must be an integer between ${MIN_HOURS} and ${MAX_HOURS} (one week), but ${expiresInHours} was provided`,
      );
    }
    const now = props.now ?? new Date();
    if (Number.isNaN(now.getTime())) throw new Error('now must be a valid date, but an invalid Date was provided');
    // at() takes whole seconds.
    this.expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + expiresInHours * 3_600_000);

    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      description: `Lets EventBridge Scheduler delete stack ${stack.stackName} when its cost guard expires`,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: `Deletes stack ${stack.stackName} at ${this.expiresAt.toISOString()}, ${expiresInHours} h after its deployment`,
      schedule: ScheduleExpression.at(this.expiresAt),
      timeWindow: TimeWindow.off(),
      target: new Universal({
        service: 'cloudformation',
        action: 'deleteStack',
        // The stack id (its ARN) names this stack instance only, never a later stack of the same name.
        input: ScheduleTargetInput.fromObject({ StackName: Aws.STACK_ID }),
        role: this.role,
        // CloudFormation offers no grant for DeleteStack; the statement names this stack's ARN only.
        policyStatements: [new PolicyStatement({ actions: ['cloudformation:DeleteStack'], resources: [Aws.STACK_ID] })],
      }),
    });

    if (!(stack.synthesizer instanceof DefaultStackSynthesizer)) {
      Annotations.of(this).addWarningV2(
        'messaging-labs:cost-guard-without-execution-role',
        'this stack is not deployed with a CloudFormation execution role: when the guard expires, CloudFormation will ' +
          'try to delete its resources with the guard role, which may only call DeleteStack, and the deletion will fail. ' +
          'Deploy with the default synthesizer (cdk bootstrap), or with `cdk deploy --role-arn <a CloudFormation service role>`.',
      );
    }

    // CloudFormation deletes a resource only after everything that depends on it, so making every other
    // resource of the stack depend on the guard's role, policy and schedule makes them the last things
    // deleted. Once DeleteStack is accepted the deletion no longer needs them (CloudFormation works
    // with the stack's service role), but if the call is refused and retried (the stack busy updating,
    // throttling), the role must still be there; and a `cdk destroy` racing the guard cannot leave a
    // live schedule without its role. The guard is created first, too, so it is armed before the
    // billed resources exist.
    Aspects.of(stack).add(new DeleteGuardLast(this), { priority: AspectPriority.MUTATING });
  }
}

class DeleteGuardLast implements IAspect {
  constructor(private readonly guard: CostGuard) {}

  public visit(node: IConstruct): void {
    if (!(node instanceof CfnResource) || Stack.of(node) !== Stack.of(this.guard)) return;
    if (node.node.scopes.includes(this.guard)) return;
    for (const guardResource of this.guard.node.findAll()) {
      if (guardResource instanceof CfnResource) node.addResourceDependency(guardResource, 'the cost guard is deleted last');
    }
  }
}
