import { randomInt } from 'node:crypto';

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const SUFFIX_LENGTH = 12;

/** Name length limits of the services, as CloudFormation trims generated names to them. */
export const NAME_LIMITS = {
  queue: 80,
  topic: 256,
  stream: 128,
  table: 255,
  function: 64,
  logGroup: 512,
  role: 64,
} as const;

export interface PhysicalNameOptions {
  readonly maxLength: number;
  /** Appended after the random part (a FIFO queue's `.fifo`). */
  readonly suffix?: string;
  /** @default - a random string of 12 upper-case letters and digits */
  readonly random?: () => string;
}

/**
 * A generated physical name as CloudFormation makes one: `<stackName>-<LogicalId>-<RANDOM>`, the
 * stack name and logical id shortened (each to its share of the room left) when the whole would
 * exceed the service's limit.
 */
export function physicalName(stackName: string, logicalId: string, options: PhysicalNameOptions): string {
  const random = (options.random ?? randomSuffix)();
  const suffix = options.suffix ?? '';
  const room = options.maxLength - random.length - suffix.length - 2;
  if (room < 2) {
    throw new Error(`no room for a generated name of ${logicalId} within ${options.maxLength} characters`);
  }
  let stack = stackName;
  let logical = logicalId;
  if (stack.length + logical.length > room) {
    const half = Math.floor(room / 2);
    if (stack.length <= half) {
      logical = logical.slice(0, room - stack.length);
    } else if (logical.length <= room - half) {
      stack = stack.slice(0, room - logical.length);
    } else {
      stack = stack.slice(0, half);
      logical = logical.slice(0, room - half);
    }
  }
  return `${stack}-${logical}-${random}${suffix}`;
}

function randomSuffix(): string {
  return Array.from({ length: SUFFIX_LENGTH }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
}
