import { sourceTypeOf } from '../arns';
import type { EventSourceSpec } from '../model';
import type { AsyncInvoker } from './async-invoker';
import type { RuntimeContext } from './runtime-context';
import type { ShardProgress } from './shard-processor';
import { DynamoDbStreamSource } from './dynamodb-stream-source';
import { KinesisFanOutSource, KinesisPollingSource } from './kinesis-sources';
import { SnsRelaySource } from './sns-relay-source';
import { SqsSource } from './sqs-source';

/** A poller that feeds one function from one event source. */
export interface EventSource {
  /** Resolves once the source is in place (queue checked, shard iterators taken, subscriptions open). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A stream source's position on each shard. */
  positions?(): ShardProgress[];
}

/** What a poller may use besides its settings. */
export interface EventSourceDependencies {
  readonly context: RuntimeContext;
  readonly asyncInvoker: AsyncInvoker;
}

type SpecOf<K extends EventSourceSpec['kind']> = Extract<EventSourceSpec, { kind: K }>;

interface EventSourceReader {
  /** The settings it reads (what the provisioner made of the mapping). */
  readonly kind: EventSourceSpec['kind'];
  create(spec: EventSourceSpec, dependencies: EventSourceDependencies): EventSource;
}

function reader<K extends EventSourceSpec['kind']>(
  kind: K,
  create: (spec: SpecOf<K>, dependencies: EventSourceDependencies) => EventSource,
): EventSourceReader {
  return {
    kind,
    create(spec, dependencies) {
      if (!isKind(spec, kind)) throw new Error(`event source ${spec.logicalId} has ${spec.kind} settings, but its ARN names a ${kind} source`);
      return create(spec, dependencies);
    },
  };
}

function isKind<K extends EventSourceSpec['kind']>(spec: EventSourceSpec, kind: K): spec is SpecOf<K> {
  return spec.kind === kind;
}

/** How each event source is read, by what its ARN names (`sourceTypeOf`). A new kind of source is one line here and its poller. */
const EVENT_SOURCES: Readonly<Record<string, EventSourceReader>> = {
  sqs: reader('sqs', (spec, { context }) => new SqsSource(context, spec)),
  sns: reader('sns', (spec, { context, asyncInvoker }) => new SnsRelaySource(context, spec, asyncInvoker)),
  'kinesis:stream': reader('kinesis', (spec, { context }) => new KinesisPollingSource(context, spec)),
  'kinesis:consumer': reader('kinesis', (spec, { context }) => new KinesisFanOutSource(context, spec)),
  'dynamodb:stream': reader('dynamodb', (spec, { context }) => new DynamoDbStreamSource(context, spec)),
};

/** The poller for an event source, chosen by its source ARN. */
export function createEventSource(spec: EventSourceSpec, dependencies: EventSourceDependencies): EventSource {
  const arn = sourceArnOf(spec);
  const type = sourceTypeOf(arn);
  const found = EVENT_SOURCES[type];
  if (found === undefined) {
    throw new Error(
      `event source ${spec.logicalId} reads ${arn} (${type}), which the local runtime cannot poll (it polls ${Object.keys(EVENT_SOURCES).join(', ')}): run this lab with --target aws`,
    );
  }
  return found.create(spec, dependencies);
}

/** The ARN the mapping's EventSourceArn (or the subscription's TopicArn) named. */
function sourceArnOf(spec: EventSourceSpec): string {
  switch (spec.kind) {
    case 'sqs':
      return spec.queueArn;
    case 'sns':
      return spec.topicArn;
    case 'kinesis':
      return spec.consumerArn ?? spec.streamArn;
    case 'dynamodb':
      return spec.streamArn;
  }
}
