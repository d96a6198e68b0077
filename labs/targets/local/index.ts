export { localTarget, openLocal, type LocalOpenOptions, type LocalSession, type LocalTimings } from './open-local';
