/**
 * A read-only view of a synthesized CloudFormation template, with just what the cost models need:
 * resources by type, which resource a Ref / Fn::GetAtt points at, and the settings of functions,
 * event-source mappings and subscriptions. Anything the models need but cannot read as a literal is an
 * error naming the resource and property: an estimate is never built on a guessed value.
 */

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface CfnTemplate {
  readonly Resources?: Record<string, CfnResource>;
}

export interface ResourceRef {
  readonly logicalId: string;
  readonly type: string;
  readonly properties: Record<string, unknown>;
}

export interface FunctionInfo extends ResourceRef {
  readonly memoryMiB: number;
  readonly architecture: 'arm64' | 'x86_64';
  /** Environment variable name -> logical id of the resource it references, for variables that reference one. */
  readonly environmentRefs: ReadonlyMap<string, string>;
}

export interface EventSourceMappingInfo extends ResourceRef {
  readonly functionId: string;
  readonly sourceId: string;
  readonly sourceType: string;
  readonly batchSize: number;
}

export interface SubscriptionInfo extends ResourceRef {
  readonly topicId: string;
  readonly protocol: string;
  /** Logical id of the subscribed queue or function, when the endpoint references one in the template. */
  readonly endpointId: string | undefined;
  readonly hasFilterPolicy: boolean;
}

/** Lambda's default batch sizes when a mapping does not set BatchSize. */
const DEFAULT_BATCH_SIZE: Readonly<Record<string, number>> = {
  'AWS::SQS::Queue': 10,
  'AWS::Kinesis::Stream': 100,
  'AWS::Kinesis::StreamConsumer': 100,
  'AWS::DynamoDB::Table': 100,
};

export class TemplateView {
  private readonly byId: ReadonlyMap<string, ResourceRef>;

  constructor(template: CfnTemplate) {
    this.byId = new Map(
      Object.entries(template.Resources ?? {}).map(([logicalId, r]) => [
        logicalId,
        { logicalId, type: r.Type, properties: r.Properties ?? {} },
      ]),
    );
  }

  /** Every resource, or those of one type, in template order. */
  resources(type?: string): ResourceRef[] {
    return [...this.byId.values()].filter((r) => type === undefined || r.type === type);
  }

  resource(logicalId: string): ResourceRef {
    const found = this.byId.get(logicalId);
    if (!found) throw new Error(`the template has no resource ${logicalId}`);
    return found;
  }

  /** The only resource of `type`; an error naming the count otherwise. */
  single(type: string, purpose: string): ResourceRef {
    const found = this.resources(type);
    if (found.length !== 1) {
      throw new Error(`${purpose} needs exactly one ${type} in the template, but ${found.length} were found`);
    }
    return found[0]!;
  }

  /** A property that must be a literal number, or `fallback` when absent. */
  numberProperty(resource: ResourceRef, name: string, fallback?: number): number {
    const value = resource.properties[name];
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new Error(
        `${resource.logicalId} (${resource.type}) property ${name} must be a literal number to estimate its cost, but ${JSON.stringify(value)} was found`,
      );
    }
    return value;
  }

  /** The logical id a value points at: `{ Ref }` or `{ Fn::GetAtt }` to a resource of this template. */
  referencedId(value: unknown): string | undefined {
    if (typeof value !== 'object' || value === null) return undefined;
    const record = value as Record<string, unknown>;
    let id: unknown;
    if ('Ref' in record) id = record['Ref'];
    else if ('Fn::GetAtt' in record) {
      const att = record['Fn::GetAtt'];
      id = Array.isArray(att) ? att[0] : typeof att === 'string' ? att.split('.')[0] : undefined;
    }
    return typeof id === 'string' && this.byId.has(id) ? id : undefined;
  }

  functions(): FunctionInfo[] {
    return this.resources('AWS::Lambda::Function').map((r) => this.functionInfo(r));
  }

  function(logicalId: string): FunctionInfo {
    const r = this.resource(logicalId);
    if (r.type !== 'AWS::Lambda::Function') throw new Error(`${logicalId} is a ${r.type}, not an AWS::Lambda::Function`);
    return this.functionInfo(r);
  }

  eventSourceMappings(): EventSourceMappingInfo[] {
    return this.resources('AWS::Lambda::EventSourceMapping').map((r) => {
      const functionId = this.referencedId(r.properties['FunctionName']);
      const sourceId = this.referencedId(r.properties['EventSourceArn']);
      if (functionId === undefined || sourceId === undefined) {
        throw new Error(`${r.logicalId} (AWS::Lambda::EventSourceMapping) must reference its function and event source in the template`);
      }
      const sourceType = this.resource(sourceId).type;
      const fallback = DEFAULT_BATCH_SIZE[sourceType];
      if (fallback === undefined) throw new Error(`${r.logicalId} reads a ${sourceType}, which the cost models do not know`);
      return { ...r, functionId, sourceId, sourceType, batchSize: this.numberProperty(r, 'BatchSize', fallback) };
    });
  }

  subscriptions(): SubscriptionInfo[] {
    return this.resources('AWS::SNS::Subscription').map((r) => {
      const topicId = this.referencedId(r.properties['TopicArn']);
      if (topicId === undefined) throw new Error(`${r.logicalId} (AWS::SNS::Subscription) must reference a topic of the template`);
      return {
        ...r,
        topicId,
        protocol: String(r.properties['Protocol']),
        endpointId: this.referencedId(r.properties['Endpoint']),
        hasFilterPolicy: r.properties['FilterPolicy'] !== undefined,
      };
    });
  }

  private functionInfo(r: ResourceRef): FunctionInfo {
    const architectures = r.properties['Architectures'];
    const architecture = Array.isArray(architectures) && architectures[0] === 'arm64' ? 'arm64' : 'x86_64';
    const environment = (r.properties['Environment'] as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    const environmentRefs = new Map<string, string>();
    for (const [name, value] of Object.entries(environment)) {
      const id = this.referencedId(value);
      if (id !== undefined) environmentRefs.set(name, id);
    }
    // CloudFormation's default memory for a function that does not set MemorySize.
    return { ...r, memoryMiB: this.numberProperty(r, 'MemorySize', 128), architecture, environmentRefs };
  }
}
