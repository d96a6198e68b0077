import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The services an order fans out to, each with its own queue and pool. */
export const ORDER_SERVICES = ['payment', 'inventory', 'notification'] as const;
export type OrderService = (typeof ORDER_SERVICES)[number];

/** How long a ledger item is kept (DynamoDB TTL): long enough to inspect a run, then gone. */
export const LEDGER_TTL_SECONDS = 24 * 60 * 60;

/**
 * One delivery of an order to one worker of a service's pool, written when the delivery ends (so
 * `finishedAt` is after the work, and a delivery whose environment died mid-work leaves no entry).
 */
export interface DeliveryEntry {
  /** The execution environment that handled it: the Lambda context's log stream name. */
  readonly workerId: string;
  readonly messageId: string;
  /** SQS ApproximateReceiveCount: 1 on the first delivery of the message. */
  readonly receiveCount: number;
  readonly receivedAt: string;
  readonly finishedAt: string;
  /** `done`: the message is deleted; `failed`: it returns to the queue. */
  readonly outcome: 'done' | 'failed';
  /** The waits before the in-process retries of this delivery, in ms. */
  readonly retryDelaysMs: readonly number[];
  /** The visibility timeout the delivery gave its message before failing (the next delivery's delay). */
  readonly visibilityDelaySeconds?: number;
  /** What the delivery did to its service's store (`CHARGED`, `repeat`, `sent`, `already-sent`, ...). */
  readonly effect?: string;
  readonly error?: string;
}

/** What a service's step tells the ledger about the delivery it is handling. */
export interface DeliveryNotes {
  retried(delayMs: number): void;
  deferred(visibilityDelaySeconds: number): void;
  effect(effect: string): void;
}

/** Collects the notes of one delivery, and turns them into its entry when it ends. */
export function deliveryRecorder(start: { readonly workerId: string; readonly messageId: string; readonly receiveCount: number; readonly receivedAt: Date }) {
  const retryDelaysMs: number[] = [];
  let visibilityDelaySeconds: number | undefined;
  let effect: string | undefined;
  const notes: DeliveryNotes = {
    retried: (delayMs) => retryDelaysMs.push(delayMs),
    deferred: (seconds) => {
      visibilityDelaySeconds = seconds;
    },
    effect: (text) => {
      effect = text;
    },
  };
  return {
    notes,
    entry(outcome: DeliveryEntry['outcome'], finishedAt: Date, error?: unknown): DeliveryEntry {
      return {
        workerId: start.workerId,
        messageId: start.messageId,
        receiveCount: start.receiveCount,
        receivedAt: start.receivedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        outcome,
        retryDelaysMs: [...retryDelaysMs],
        ...(visibilityDelaySeconds !== undefined ? { visibilityDelaySeconds } : {}),
        ...(effect !== undefined ? { effect } : {}),
        ...(error !== undefined ? { error: error instanceof Error ? error.message : String(error) } : {}),
      };
    },
  };
}

export interface LedgerPort {
  record(orderId: string, service: OrderService, entry: DeliveryEntry): Promise<void>;
}

/**
 * The ledger table: one item per order and service, each delivery appended to its `deliveries` list by
 * one UpdateItem (no read), the item's expiry pushed a day past the latest delivery.
 */
export function ledgerTable(client: DynamoDBDocumentClient, tableName: string, now: () => number = () => Date.now()): LedgerPort {
  return {
    async record(orderId, service, entry) {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { orderId, service },
          UpdateExpression: 'SET deliveries = list_append(if_not_exists(deliveries, :none), :entry), expiresAt = :expiresAt',
          ExpressionAttributeValues: { ':none': [], ':entry': [entry], ':expiresAt': Math.floor(now() / 1000) + LEDGER_TTL_SECONDS },
        }),
      );
    },
  };
}
