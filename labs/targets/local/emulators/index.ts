export {
  startEmulators,
  type EmulatorName,
  type EmulatorProcessInfo,
  type RunningEmulators,
  type StartEmulatorsOptions,
} from './start-emulators';
export { runOnProcessEnd } from './process';
export { localClientConfig, type LocalClientConfig } from './client-config';
export { JAVA_MISSING_MESSAGE } from './dynamodb';
