import { assignLeases } from '../stream-routing';

/**
 * A consumer group's lease table, as the KCL keeps one (in DynamoDB; here in the lab's memory, for the
 * lab's own consumers): one lease per shard with its owner, the owner's checkpoint (the last sequence
 * number it processed) and when the owner last renewed it. The first assignment is the group's
 * (`assignLeases`). A consumer that stops renewing loses its leases once they expire: an alive consumer
 * with the fewest leases takes each one over and resumes after its checkpoint. Time is passed in.
 */

export interface Lease {
  readonly shardId: string;
  owner: string;
  /** Last sequence number the owner processed; undefined before its first record. */
  checkpoint: string | undefined;
  renewedAt: number;
}

export interface Takeover {
  readonly shardId: string;
  readonly from: string;
  readonly to: string;
  /** When the previous owner last renewed the lease. */
  readonly lastRenewedAt: number;
  readonly takenAt: number;
  readonly checkpoint: string | undefined;
}

export class LeaseTable {
  readonly takeovers: Takeover[] = [];
  private readonly leases: Lease[];
  private readonly heartbeats = new Map<string, number>();

  constructor(
    shardIds: readonly string[],
    private readonly consumers: readonly string[],
    readonly leaseMs: number,
    now: number,
  ) {
    this.leases = [...assignLeases(shardIds, consumers)].flatMap(([owner, shards]) =>
      shards.map((shardId) => ({ shardId, owner, checkpoint: undefined, renewedAt: now })),
    );
    for (const consumer of consumers) this.heartbeats.set(consumer, now);
  }

  /** The shards a consumer holds a lease on, in the table's order. */
  owned(consumer: string): Lease[] {
    return this.leases.filter((lease) => lease.owner === consumer);
  }

  /** The consumer is alive: its leases (if any) are renewed. */
  renew(consumer: string, now: number): void {
    this.heartbeats.set(consumer, now);
    for (const lease of this.owned(consumer)) lease.renewedAt = now;
  }

  /** Moves the checkpoint forward, only for the lease's owner (a consumer that lost it cannot). */
  checkpoint(shardId: string, consumer: string, sequenceNumber: string): boolean {
    const lease = this.leases.find((l) => l.shardId === shardId);
    if (lease === undefined || lease.owner !== consumer) return false;
    lease.checkpoint = sequenceNumber;
    return true;
  }

  /**
   * Takes over, for `consumer`, each expired lease while it is the alive consumer with the fewest leases
   * (ties: the earliest in the group's order), as a KCL worker below its fair share does.
   */
  takeExpired(consumer: string, now: number): Lease[] {
    const taken: Lease[] = [];
    for (const lease of this.leases) {
      if (lease.owner === consumer || now - lease.renewedAt < this.leaseMs) continue;
      if (this.leastLoadedAlive(now) !== consumer) break;
      this.takeovers.push({ shardId: lease.shardId, from: lease.owner, to: consumer, lastRenewedAt: lease.renewedAt, takenAt: now, checkpoint: lease.checkpoint });
      lease.owner = consumer;
      lease.renewedAt = now;
      taken.push(lease);
    }
    return taken;
  }

  private leastLoadedAlive(now: number): string | undefined {
    let best: { consumer: string; leases: number } | undefined;
    for (const consumer of this.consumers) {
      if (now - (this.heartbeats.get(consumer) ?? -Infinity) >= this.leaseMs) continue;
      const leases = this.owned(consumer).length;
      if (best === undefined || leases < best.leases) best = { consumer, leases };
    }
    return best?.consumer;
  }
}
