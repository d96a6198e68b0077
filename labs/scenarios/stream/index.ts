export { makeEvents, userNames, type StreamOptions } from './events';
export { groupVerdict, runGroup, type GroupMember, type GroupObservations, type GroupOptions, type GroupShardRead } from './group';
export {
  runStream,
  streamVerdict,
  type ConsumerObservation,
  type ConsumerShardCount,
  type ShardObservation,
  type StreamObservations,
  type UserRouting,
} from './main';
export { replayVerdict, runReplay, type ReplayedRecord, type ReplayObservations, type ReplayOptions } from './replay';
export {
  keysOutOfShardOrder,
  parallelConsumer,
  parallelVerdict,
  runParallel,
  type ParallelConsumer,
  type ParallelObservations,
  type ParallelOptions,
  type ParallelShard,
} from './parallel';
export { LeaseTable, type Lease, type Takeover } from './lease-table';
export {
  busyRecordsPerSecond,
  estimatedRunSeconds,
  expectedThroughput,
  LEASE_MS,
  MAX_RUN_SECONDS,
  runScale,
  scaleVerdict,
  throughputSeries,
  type Processed,
  type ScaleObservations,
  type ScaleOptions,
  type ScaleRun,
  type ScaleTakeover,
} from './scale';
