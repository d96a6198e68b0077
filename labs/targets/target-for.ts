import { awsTarget } from './aws';
import { localTarget } from './local';
import type { Target, TargetName } from './target';

/** The target a lab runs on: the local cloud of emulators (default) or the deployed stacks. */
export function targetFor(name: TargetName): Target {
  return name === 'aws' ? awsTarget : localTarget;
}
