import type { Client, MetadataBearer } from '@smithy/types';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * Counts the commands a piece of code sends through an SDK client, at the SDK level: the client's
 * `send` is stubbed (aws-sdk-client-mock), so every command object the code builds is seen exactly as
 * the SDK would receive it, and answered by a responder instead of the network. Works on one client
 * instance, or on a client class (every instance, including module-scope clients inside a handler).
 */

/** One command sent: its operation name (`SendMessageBatch`) and its input. */
export interface SentCommand {
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
}

/** The service's answer to one kind of command (without `$metadata`). */
export interface Responder {
  // Any command class of any client: the stub matches commands by their class.
  readonly command: abstract new (...args: never[]) => object;
  readonly respond: (input: Readonly<Record<string, unknown>>) => object;
}

export interface CommandCounter {
  /** Every command sent since the counter was attached (or last reset), in order. */
  sent(): SentCommand[];
  /** How many commands of `operation` were sent. */
  count(operation: string): number;
  reset(): void;
  /** Puts the client's own `send` back. */
  restore(): void;
}

// The clients of the project come from several @aws-sdk releases: their shared shape is enough here.
type AnyClient = Client<object, MetadataBearer, unknown>;
type ClientOrClass = AnyClient | { prototype: AnyClient };

/** `SendMessageBatchCommand` -> `SendMessageBatch`. */
export function operationOf(command: unknown): string {
  const name = (command as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? 'Unknown';
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
}

/**
 * Stubs `client` (an instance or a class). A command with a responder gets its answer; any other
 * command gets an empty successful answer, and is still counted.
 */
export function countCommands(client: ClientOrClass, responders: readonly Responder[] = []): CommandCounter {
  const stub = mockClient(client as AnyClient);
  stub.onAnyCommand().resolves({});
  for (const { command, respond } of responders) {
    stub.on(command as unknown as Parameters<typeof stub.on>[0]).callsFake((input: Record<string, unknown>) => respond(input));
  }
  const sent = (): SentCommand[] =>
    stub.calls().map((call) => {
      const command = call.args[0] as { input?: Record<string, unknown> };
      return { operation: operationOf(command), input: command.input ?? {} };
    });
  return {
    sent,
    count: (operation) => sent().filter((c) => c.operation === operation).length,
    reset: () => {
      stub.resetHistory();
    },
    restore: () => stub.restore(),
  };
}
