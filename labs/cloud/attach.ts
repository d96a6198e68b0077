import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LabModule } from '../../lib/modules';
import { awsClients } from '../targets/aws';
import { outputReader, type OpenOptions, type TargetSession } from '../targets/target';
import { readState, statePath } from './state';

/**
 * A lab session on the running cloud (`labs up`), when it has the module as the lab needs it: no
 * synth, no emulators of its own. Undefined when there is no cloud, the cloud lacks the module, or the
 * lab's options change the stack (then the lab builds its own cloud, as without `labs up`).
 */
export function attachToCloud(module: LabModule, options: OpenOptions, path = statePath()): TargetSession | undefined {
  const state = readState(path);
  const running = state?.modules[module.name];
  if (state === undefined || running === undefined) return undefined;
  const log = options.log ?? (() => undefined);
  const changed = Object.keys(options.context ?? {});
  if (changed.length > 0 || (options.stackPrefix ?? '') !== '') {
    const why = changed.length > 0 ? `its options change the stack (${changed.join(', ')})` : `it asks for the stack prefix ${options.stackPrefix}`;
    log(`not using the local cloud on 127.0.0.1:${state.port}: ${why}; starting a local cloud of its own`);
    return undefined;
  }
  const clients = awsClients({
    region: state.region,
    endpoint: state.url,
    credentials: { accessKeyId: state.accessKeyId, secretAccessKey: state.secretAccessKey },
    // HTTP/1.1: the Kinesis client would speak HTTP/2, which the endpoint does not.
    requestHandler: new NodeHttpHandler(),
  });
  log(`using the local cloud on 127.0.0.1:${state.port}`);
  let closed = false;
  return {
    target: 'local',
    region: state.region,
    stackName: running.stackName,
    output: outputReader(running.stackName, running.outputs, `redeploy it into the local cloud with \`npx labs up ${module.name}\``),
    clients,
    close: async () => {
      if (!closed) clients.destroy();
      closed = true;
    },
  };
}
