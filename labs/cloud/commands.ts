import { Command, InvalidArgumentError } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { MODULES, type LabModule } from '../../lib/modules';
import { renderTable } from '../report/table';
import { awsTarget } from '../targets/aws';
import { LocalCloud } from './cloud';
import { endpointEnvironment } from './credentials';
import { callControl } from './control-client';
import { isAlive, readState, requireState, statePath, type CloudModuleState, type CloudState } from './state';
import { renderStatus, runStatus, type ModuleStatus } from './status';
import type { LogEntry } from '../targets/local/runtime';

export interface CloudCommandsIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
}

export const DEFAULT_PORT = 4566;
const DOWN_TIMEOUT_MS = 15_000;
const FOLLOW_INTERVAL_MS = 500;

/** `labs up`, `labs env`, `labs outputs`, `labs logs`, `labs status`, `labs down`: the local cloud that stays up. */
export function cloudCommands(io: CloudCommandsIo, modules: readonly LabModule[] = MODULES): Command[] {
  const path = (): string => statePath(io.env);
  const out = (text: string): void => void io.stdout.write(`${text}\n`);
  const err = (text: string): void => void io.stderr.write(`${text}\n`);
  const findIn = (name: string): LabModule => {
    const found = modules.find((m) => m.name === name);
    if (found === undefined) throw new InvalidArgumentError(`unknown module '${name}': choose one of ${modules.map((m) => m.name).join(', ')}`);
    return found;
  };
  // A misspelt module is a usage error (exit code 2), said before anything starts.
  const moduleNamed = (command: Command, name: string): LabModule => {
    try {
      return findIn(name);
    } catch (error) {
      return command.error(`error: ${(error as Error).message}`, { exitCode: 2, code: 'labs.cloud.usage' });
    }
  };

  const up = new Command('up')
    .description(`start the local cloud with the modules' stacks (default: all) behind one endpoint on 127.0.0.1, and keep it up; while one runs, add or redeploy modules`)
    .argument('[modules...]', `modules to run (default: ${modules.map((m) => m.name).join(', ')})`)
    .option('--port <port>', `the endpoint's port on 127.0.0.1 (0 picks a free one)`, parsePort, DEFAULT_PORT)
    .option('--verbose', 'show handler logs as they come')
    .action(async (names: string[], flags: { port: number; verbose?: boolean }) => {
      const wanted = (names.length > 0 ? names : modules.map((m) => m.name)).map((name) => moduleNamed(up, name));
      const running = readState(path());
      if (running !== undefined) {
        if (names.length === 0) {
          throw new Error(
            `a local cloud is already running on ${running.url} (pid ${running.pid}, modules ${Object.keys(running.modules).join(', ')}): stop it with \`labs down\`, or add or redeploy a module with \`labs up <module>\``,
          );
        }
        err(`deploying ${names.join(', ')} into the local cloud on ${running.url}...`);
        const deployed = await callControl<Record<string, CloudModuleState>>(running, 'deploy', { body: { modules: names } });
        for (const name of names) out(renderOutputs(name, deployed[name] as CloudModuleState));
        return;
      }
      const cloud = new LocalCloud({ port: flags.port, log: err, verbose: flags.verbose ?? false, statePath: path(), findModule: findIn });
      const started = Date.now();
      try {
        await cloud.start(wanted);
      } catch (error) {
        await cloud.stop().catch(() => undefined);
        throw error;
      }
      const state = cloud.state();
      for (const name of Object.keys(state.modules)) out(renderOutputs(name, state.modules[name] as CloudModuleState));
      out(`\n# the local cloud, for your own scripts: eval "$(npx labs env)", or paste:\n${envLines(state)}`);
      err(`local cloud ready on ${cloud.url} in ${((Date.now() - started) / 1000).toFixed(1)} s; Ctrl-C (or \`labs down\`) stops it`);
      const death = new Promise<Error>((resolve) => cloud.onDeath(resolve));
      const error = await runStatus(cloud, io, death);
      await cloud.stop().catch(() => undefined);
      throw new Error(`the local cloud stopped: ${error.message.split('\n')[0]}`);
    });

  const env = new Command('env')
    .description('print the `export` lines (and an `aws` function for the AWS CLI v1) that point AWS clients (boto3, the AWS CLI, SDKs) at the running local cloud: eval "$(npx labs env)"')
    .action(() => out(envLines(requireState(path()))));

  const outputs = new Command('outputs')
    .description("print a module's stack outputs (queue URLs, stream and table names) and function names, in the running local cloud or on AWS")
    .argument('<module>', `one of ${modules.map((m) => m.name).join(', ')}`)
    .option('--json', 'print one JSON object')
    .option('--target <target>', 'local (the running cloud) or aws (the deployed stack)', 'local')
    .option('--stack-prefix <prefix>', 'per-student stack prefix (--target aws)')
    .option('--region <region>', 'AWS region (--target aws)')
    .option('--profile <profile>', 'AWS profile (--target aws)')
    .action(async (name: string, flags: { json?: boolean; target: string; stackPrefix?: string; region?: string; profile?: string }) => {
      const module = moduleNamed(outputs, name);
      let found: CloudModuleState;
      if (flags.target === 'aws') {
        const session = await awsTarget.open(module, {
          ...(flags.stackPrefix ? { stackPrefix: flags.stackPrefix } : {}),
          ...(flags.region ? { region: flags.region } : {}),
          ...(flags.profile ? { profile: flags.profile } : {}),
        });
        await session.close();
        found = { stackName: session.stackName, outputs: Object.fromEntries(module.outputs.map((key) => [key, session.output(key)])), functions: {} };
      } else {
        const state = requireState(path());
        const running = state.modules[name];
        if (running === undefined) {
          throw new Error(`module ${name} is not running in the local cloud on ${state.url} (running: ${Object.keys(state.modules).join(', ') || 'none'}): add it with \`npx labs up ${name}\``);
        }
        found = running;
      }
      out(
        flags.json
          ? JSON.stringify({ module: name, target: flags.target, stackName: found.stackName, outputs: found.outputs, functions: shortNames(found), ...(found.httpApis ? { httpApis: found.httpApis } : {}) })
          : renderOutputs(name, found),
      );
    });

  const logs = new Command('logs')
    .description('print the handler logs of the running local cloud, each line with its function and log stream (the execution environment)')
    .argument('[function]', 'a function by its short name as `labs outputs` lists it, its logical id or its name (default: all)')
    .option('--follow', 'keep printing new lines until Ctrl-C')
    .action(async (fn: string | undefined, flags: { follow?: boolean }) => {
      const state = requireState(path());
      const functionName = fn === undefined ? undefined : resolveFunction(state, fn);
      let since = 0;
      for (;;) {
        const entries = await callControl<LogEntry[]>(state, 'logs', { query: { function: functionName ?? '', since: String(since) } });
        for (const entry of entries) out(`${new Date(entry.timestamp).toISOString()} ${entry.functionName} ${entry.logStreamName} ${entry.line}`);
        since = entries.at(-1)?.timestamp ?? since;
        if (!flags.follow) return;
        await sleep(FOLLOW_INTERVAL_MS);
      }
    });

  const status = new Command('status')
    .description('print the running local cloud\'s status once: invocations and errors per function, queue depths, stream consumer positions')
    .option('--json', 'print one JSON object')
    .action(async (flags: { json?: boolean }) => {
      const answer = await callControl<{ at: string; modules: ModuleStatus[] }>(requireState(path()), 'status');
      out(flags.json ? JSON.stringify(answer) : renderStatus(answer.modules, new Date(answer.at)).join('\n'));
    });

  const down = new Command('down').description('stop the running local cloud (from any terminal)').action(async () => {
    const state = readState(path());
    if (state === undefined) {
      out('no local cloud is running');
      return;
    }
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + DOWN_TIMEOUT_MS;
    while (isAlive(state.pid)) {
      if (Date.now() > deadline) throw new Error(`the local cloud (pid ${state.pid}) did not stop within ${DOWN_TIMEOUT_MS / 1000} s: kill it with \`kill -9 ${state.pid}\``);
      await sleep(100);
    }
    readState(path());
    out(`stopped the local cloud on ${state.url}`);
  });

  return [up, env, outputs, logs, status, down];
}

/**
 * The AWS CLI v1 sends `aws sqs` to SQS's legacy endpoint (`queue.amazonaws.com`) unless
 * `--endpoint-url` is on its command line: no variable or config setting changes that
 * (aws/aws-cli#8737). In the shell that evals `labs env`, this function gives an `aws sqs` command
 * that names no endpoint the cloud's; it changes nothing else (any other command already reads
 * AWS_ENDPOINT_URL). POSIX sh, so bash, zsh and dash read it alike.
 */
const AWS_CLI_SQS_ENDPOINT = [
  '# the AWS CLI v1 ignores AWS_ENDPOINT_URL for `aws sqs` (aws/aws-cli#8737): in this shell, `aws sqs` gets --endpoint-url',
  'aws() { case " $* " in *" --endpoint-url"*) ;; *" sqs "*) set -- --endpoint-url "$AWS_ENDPOINT_URL" "$@" ;; esac; command aws "$@"; }',
];

/**
 * `export` lines for a shell, `unset` for anything that could reach a real account or another
 * endpoint, and the `aws` function above.
 */
export function envLines(state: CloudState): string {
  const exports = Object.entries(endpointEnvironment(state.url, state)).filter(([name]) => !/^AWS_ENDPOINT_URL_/.test(name));
  const unset = ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', ...['SQS', 'SNS', 'KINESIS', 'DYNAMODB', 'DYNAMODB_STREAMS', 'LAMBDA'].map((s) => `AWS_ENDPOINT_URL_${s}`)];
  return [...exports.map(([name, value]) => `export ${name}='${value}'`), `unset ${unset.join(' ')}`, ...AWS_CLI_SQS_ENDPOINT].join('\n');
}

/** A function's short name: its logical id without CDK's 8-character hash. */
export function shortName(logicalId: string): string {
  return logicalId.replace(/[0-9A-F]{8}$/, '');
}

function shortNames(module: CloudModuleState): Record<string, string> {
  return Object.fromEntries(Object.entries(module.functions).map(([logicalId, name]) => [shortName(logicalId), name]));
}

/** A function of the running cloud by short name, logical id or physical name (any case). */
export function resolveFunction(state: CloudState, wanted: string): string {
  const all = Object.values(state.modules).flatMap((m) => Object.entries(m.functions));
  const lower = wanted.toLowerCase();
  const hit = all.find(([logicalId, name]) => [shortName(logicalId), logicalId, name].some((candidate) => candidate.toLowerCase() === lower));
  if (hit === undefined) {
    throw new Error(`no function '${wanted}' in the local cloud: choose one of ${all.map(([logicalId]) => shortName(logicalId)).join(', ') || 'none'}`);
  }
  return hit[1];
}

export function renderOutputs(name: string, module: CloudModuleState): string {
  const rows = [
    ...Object.entries(module.outputs).map(([key, value]) => [key, value]),
    ...Object.entries(shortNames(module)).map(([short, functionName]) => [`function ${short}`, functionName]),
    ...Object.entries(module.httpApis ?? {}).map(([short, url]) => [`http api ${short}`, url]),
  ];
  return `${name} (${module.stackName})\n${renderTable(['output', 'value'], rows)}`;
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new InvalidArgumentError(`--port takes a port between 0 and 65535, but '${raw}' was provided.`);
  return port;
}
