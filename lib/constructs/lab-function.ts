import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, type NodejsFunctionProps } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { validateRange } from '../validation';

export interface LabFunctionProps {
  /** Path of the handler's TypeScript entry file (lambda/<module>/handler.ts). */
  readonly entry: string;
  /**
   * Exported handler name.
   * @default 'handler'
   */
  readonly handler?: string;
  /**
   * Maximum run time of one invocation (1 s to 15 min).
   * @default Duration.seconds(10)
   */
  readonly timeout?: Duration;
  /**
   * Memory, in MiB (128 to 10240).
   * @default 256
   */
  readonly memorySizeMiB?: number;
  /**
   * Environment variables of the function.
   * @default - none besides the ones this construct sets
   */
  readonly environment?: Record<string, string>;
  /**
   * Service name in the structured logs.
   * @default - the construct id
   */
  readonly serviceName?: string;
  /**
   * Retention of the function's log group.
   * @default RetentionDays.ONE_WEEK
   */
  readonly logRetention?: RetentionDays;
  /**
   * Options passed through to NodejsFunction for what this construct does not pin.
   * @default - none
   */
  readonly reservedConcurrentExecutions?: NodejsFunctionProps['reservedConcurrentExecutions'];
  /**
   * Retries of an asynchronous invocation after the first attempt (0 to 2).
   * @default - Lambda's default (2), no EventInvokeConfig
   */
  readonly retryAttempts?: NodejsFunctionProps['retryAttempts'];
  /**
   * Queue receiving the events of asynchronous invocations that failed every attempt.
   * @default - no dead-letter queue
   */
  readonly deadLetterQueue?: NodejsFunctionProps['deadLetterQueue'];
}

/** The Lambda runtime every lab function runs on. */
export const LAB_RUNTIME = Runtime.NODEJS_24_X;

/**
 * A Lambda function as every lab deploys it: Node.js 24 on arm64 (about 20% cheaper per GB-s),
 * bundled locally by esbuild, source maps on, JSON logs into an explicit log group that `cdk destroy`
 * removes.
 *
 * The AWS SDK is left out of the bundle (NodejsFunction's default: `@aws-sdk/*`, and `@smithy/*`
 * with the `@aws-cdk/aws-lambda-nodejs:sdkV3ExcludeSmithyPackages` flag of cdk.json): the Node.js 24
 * runtime provides SDK v3, and bundling it would add about a third of a megabyte per function, to
 * upload on every deploy and to load on every cold start. The price is that the SDK version running
 * in Lambda is the runtime's, not the one pinned in package-lock.json; the handlers use only stable
 * DynamoDB and SNS calls. The local cloud resolves the pinned SDK from the project's node_modules,
 * because it synthesizes its assemblies inside the project tree (under `.cache/assemblies/`).
 */
export class LabFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: LabFunctionProps) {
    const timeout = props.timeout ?? Duration.seconds(10);
    const memorySize = props.memorySizeMiB ?? 256;
    validateRange('memorySizeMiB', memorySize, 128, 10240);
    if (!Token.isUnresolved(timeout.toSeconds())) {
      validateRange('timeout (seconds)', timeout.toSeconds(), 1, 900);
    }

    // Created before the function so its name is not a physical name we choose.
    const logGroup = new LogGroup(scope, `${id}LogGroup`, {
      retention: props.logRetention ?? RetentionDays.ONE_WEEK,
      // Labs are disposable: the logs go with the stack on `cdk destroy`.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    // An explicit role instead of the AWS-managed basic execution policy, whose log permissions cover
    // every log group of the account: this one may write to its own log group only.
    const role = new Role(scope, `${id}ServiceRole`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
    });
    logGroup.grantWrite(role);

    super(scope, id, {
      role,
      entry: props.entry,
      handler: props.handler ?? 'handler',
      runtime: LAB_RUNTIME,
      architecture: Architecture.ARM_64,
      timeout,
      memorySize,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? id,
        ...props.environment,
      },
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      retryAttempts: props.retryAttempts,
      deadLetterQueue: props.deadLetterQueue,
      bundling: {
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Runs on the Lambda runtime and on the local cloud's Node.js 20.
        target: 'node20',
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
        // esbuild's per-file size summary would open every lab run's output; warnings still show.
        logLevel: LogLevel.WARNING,
      },
    });
  }
}

