/**
 * The last audit events this node emitted, for the admin API's `GET /api/admin/{tid}/events` (the
 * console's audit trail). One ring per event type, so a burst of `token.issued` never pushes the
 * admin changes and failed sign-ins out. In memory and per node: the durable trail is the log and
 * the EventListener components; this is a window onto what they received.
 */
import type { TesseraEvent, TesseraEventType } from '../api/extension-points.ts';

/** Bound: at most this many events per type (9 types), so at most a few thousand small objects. */
export const RECENT_EVENTS_PER_TYPE = 500;

export interface RecordedEvent {
  /** Increasing on this node: the paging cursor. */
  readonly seq: number;
  readonly event: TesseraEvent;
}

export interface RecentEventQuery {
  tenantId?: string;
  types?: readonly TesseraEventType[];
  /** Only events with a smaller `seq` (the next page). */
  before?: number;
  limit: number;
}

export class RecentEvents {
  private readonly rings = new Map<TesseraEventType, RecordedEvent[]>();
  private seq = 0;

  constructor(private readonly perType = RECENT_EVENTS_PER_TYPE) {}

  record(event: TesseraEvent): void {
    let ring = this.rings.get(event.type);
    if (!ring) {
      ring = [];
      this.rings.set(event.type, ring);
    }
    ring.push({ seq: ++this.seq, event });
    if (ring.length > this.perType) ring.splice(0, ring.length - this.perType);
  }

  /** Newest first; `more` tells whether older matching events remain. */
  query(q: RecentEventQuery): { events: RecordedEvent[]; more: boolean } {
    const before = q.before ?? Number.POSITIVE_INFINITY;
    const matching: RecordedEvent[] = [];
    for (const [type, ring] of this.rings) {
      if (q.types && !q.types.includes(type)) continue;
      for (const recorded of ring) {
        if (recorded.seq >= before) continue;
        if (q.tenantId !== undefined && recorded.event.tenantId !== q.tenantId) continue;
        matching.push(recorded);
      }
    }
    matching.sort((a, b) => b.seq - a.seq);
    return { events: matching.slice(0, q.limit), more: matching.length > q.limit };
  }
}
