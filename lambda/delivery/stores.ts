import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GuaranteePorts } from './guarantees-core';
import type { Arrival } from './ordering-core';
import type { Completion, SemaphorePorts } from './semaphore-core';

/** The key of the item the downstream's refusals are counted in. */
export const REFUSALS_KEY = { name: 'downstream' } as const;

/** The key of permit slot `slot` (0 to K - 1) of the downstream's semaphore. */
export function permitKey(slot: number): { name: string } {
  return { name: `permit#${slot}` };
}

/** Whether a permit slot's item holds a lease that has not run out at `now`. */
export function leaseHeld(item: Record<string, unknown> | undefined, now: number): boolean {
  return typeof item?.['leaseUntil'] === 'number' && item['leaseUntil'] > now;
}

/**
 * The downstream's semaphore in K DynamoDB items, one per permit: a permit is a conditional write of
 * a slot that is free (never leased, given back, or its lease ran out); its return removes the lease if
 * the returner still holds it. A caller tries first the slot it gave back last, then the others in turn:
 * K callers that each keep calling (K consumers draining a queue) then find their own slot free and
 * lease it in one write, where a random start would cost (K - 1) / 2 refused writes a call on average.
 * A caller with no slot of its own yet starts from a random one, so concurrent callers rarely race.
 * DynamoDB checks each condition atomically with its write, so at most K callers hold a lease at any
 * instant, and a lease whose holder was killed frees itself at the holder's deadline.
 */
export function dynamoSemaphore(client: DynamoDBDocumentClient, tableName: string, random: () => number = Math.random, now: () => number = Date.now): SemaphorePorts {
  let lastReturned: number | undefined;
  return {
    async tryAcquire(capacity, leaseUntil) {
      const holder = randomUUID();
      const first = lastReturned !== undefined && lastReturned < capacity ? lastReturned : Math.floor(random() * capacity);
      for (let i = 0; i < capacity; i += 1) {
        const slot = (first + i) % capacity;
        try {
          await client.send(
            new UpdateCommand({
              TableName: tableName,
              Key: permitKey(slot),
              UpdateExpression: 'SET holder = :holder, leaseUntil = :until',
              ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil <= :now',
              ExpressionAttributeValues: { ':holder': holder, ':until': leaseUntil, ':now': now() },
            }),
          );
          return { slot, holder };
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      await client.send(new UpdateCommand({ TableName: tableName, Key: REFUSALS_KEY, UpdateExpression: 'ADD refused :one', ExpressionAttributeValues: { ':one': 1 } }));
      return undefined;
    },
    async release(permit) {
      try {
        await client.send(
          new UpdateCommand({
            TableName: tableName,
            Key: permitKey(permit.slot),
            UpdateExpression: 'REMOVE holder, leaseUntil',
            ConditionExpression: 'holder = :holder',
            ExpressionAttributeValues: { ':holder': permit.holder },
          }),
        );
        lastReturned = permit.slot;
      } catch (error) {
        // The lease ran out and another caller holds the slot now: it is theirs to give back.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },
  };
}

/** The effect counters of the guarantees lab, one item per business message id. */
export function dynamoEffects(client: DynamoDBDocumentClient, tableName: string): Pick<GuaranteePorts, 'countEffect' | 'countEffectOnce'> {
  const count = (messageId: string, condition?: string) =>
    client.send(
      new UpdateCommand({
        TableName: tableName,
        Key: { messageId },
        UpdateExpression: 'ADD effects :one',
        ...(condition === undefined ? {} : { ConditionExpression: condition }),
        ExpressionAttributeValues: { ':one': 1 },
      }),
    );
  return {
    async countEffect(messageId) {
      await count(messageId);
    },
    async countEffectOnce(messageId) {
      try {
        await count(messageId, 'attribute_not_exists(effects)');
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}

/** The key of a group's arrival list in the arrivals table: one item per run, queue kind and group. */
export function arrivalsKey(runId: string, kind: 'standard' | 'fifo', group: string): { groupKey: string } {
  return { groupKey: `${runId}#${kind}#${group}` };
}

/**
 * Appends each processed message to its group's list, in one atomic update per message, so the list
 * is the order the consumers processed the group in; each entry names the SQS message it came from.
 */
export function dynamoArrivals(client: DynamoDBDocumentClient, tableName: string, kind: 'standard' | 'fifo') {
  return {
    async recordArrival(arrival: Arrival, sqsMessageId: string): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: arrivalsKey(arrival.runId, kind, arrival.group),
          UpdateExpression: 'SET arrivals = list_append(if_not_exists(arrivals, :none), :arrival)',
          ExpressionAttributeValues: { ':none': [], ':arrival': [{ seq: arrival.seq, startedAt: arrival.startedAt, endedAt: arrival.endedAt, sqsMessageId }] },
        }),
      );
    },
  };
}

/** The key of a completed downstream call in the downstream table (next to the permit slots). */
export function completionKey(runId: string, messageId: string): { name: string } {
  return { name: `done#${runId}#${messageId}` };
}

/** Records a completed call; `calls` counts completions, so a duplicate delivery shows as 2. */
export function dynamoCompletions(client: DynamoDBDocumentClient, tableName: string) {
  return {
    async recordCompletion(completion: Completion): Promise<void> {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: completionKey(completion.runId, completion.messageId),
          UpdateExpression: 'SET sentAt = :sentAt, completedAt = :completedAt ADD calls :one',
          ExpressionAttributeValues: { ':sentAt': completion.sentAt, ':completedAt': completion.completedAt, ':one': 1 },
        }),
      );
    },
  };
}
