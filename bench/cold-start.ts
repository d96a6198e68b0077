import { startEmulators } from '../labs/targets/local/emulators';
import type { ServiceName } from '../labs/targets/local/model';
import { median, round, sample } from './stats';

/** Issue target: every emulator of the local cloud healthy in under 10 s on this machine. */
export const MAX_COLD_START_SECONDS = 10;

/** Every service the local cloud emulates: fauxqs (SQS, SNS), kinesis-local, DynamoDB Local. */
const ALL_SERVICES: readonly ServiceName[] = ['sqs', 'sns', 'kinesis', 'dynamodb'];

export interface ColdStartFigure {
  readonly services: readonly ServiceName[];
  readonly runs: number;
  /** From the start of the first emulator process to every emulator answering its health check. */
  readonly medianSeconds: number;
  readonly minSeconds: number;
  readonly maxSeconds: number;
  readonly meets: boolean;
}

/** Starts all the emulators from nothing `runs` times, one start after the other, and stops them each time. */
export async function measureColdStart(runs: number): Promise<ColdStartFigure> {
  const samples = await sample(runs, async () => {
    const emulators = await startEmulators(ALL_SERVICES);
    try {
      return emulators.startMillis / 1000;
    } finally {
      await emulators.stop();
    }
  });
  const medianSeconds = round(median(samples));
  return {
    services: ALL_SERVICES,
    runs,
    medianSeconds,
    minSeconds: round(Math.min(...samples)),
    maxSeconds: round(Math.max(...samples)),
    meets: medianSeconds < MAX_COLD_START_SECONDS,
  };
}
