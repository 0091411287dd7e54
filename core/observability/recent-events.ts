/**
 * The last audit events this node emitted, for the admin API's `GET /api/admin/{tid}/events` (the
 * console's audit trail). One ring per event type, so a burst of `token.issued` never pushes the
 * admin changes and failed sign-ins out. In memory and per node: the durable trail is the log and
 * the EventListener components; this is a window onto what they received.
 */
import type { TesseraEvent, TesseraEventType } from '../api/extension-points.ts';

/** Bound: at most this many events per type. */
export const RECENT_EVENTS_PER_TYPE = 500;
/** Bound on one kept event: longer strings are cut, and larger `details` are replaced by a note. */
const MAX_TEXT = 512;
const MAX_DETAILS_JSON = 4096;

/** The types kept (a ring each); anything else a bundle emits is not kept, so the rings stay bounded. */
export const RECORDED_EVENT_TYPES = [
  'admin.changed',
  'user.login.succeeded',
  'user.login.failed',
  'client.authentication.succeeded',
  'client.authentication.failed',
  'token.issued',
  'token.refreshed',
  'token.revoked',
  'token.reuse_detected',
] as const satisfies readonly TesseraEventType[];

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

/**
 * A fixed-size ring: recording overwrites the oldest slot in place. Every token request records an
 * event, so this is on the token endpoint's hot path; the array this replaced shifted all 500 kept
 * events down on each push once full.
 */
class Ring {
  private readonly slots: (RecordedEvent | undefined)[];
  /** Slot the next event goes to. */
  private next = 0;

  constructor(private readonly size: number) {
    this.slots = new Array<RecordedEvent | undefined>(size);
  }

  push(recorded: RecordedEvent): void {
    this.slots[this.next] = recorded;
    this.next = (this.next + 1) % this.size;
  }

  /** Oldest first. */
  *[Symbol.iterator](): Iterator<RecordedEvent> {
    for (let i = 0; i < this.size; i++) {
      const recorded = this.slots[(this.next + i) % this.size];
      if (recorded) yield recorded;
    }
  }
}

export class RecentEvents {
  private readonly rings = new Map<TesseraEventType, Ring>();
  private seq = 0;

  constructor(perType = RECENT_EVENTS_PER_TYPE) {
    for (const type of RECORDED_EVENT_TYPES) this.rings.set(type, new Ring(perType));
  }

  record(event: TesseraEvent): void {
    const ring = this.rings.get(event.type);
    if (!ring) return;
    ring.push({ seq: ++this.seq, event: compact(event) });
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

/** Events carry request input (a username typed at sign-in) and bundles' details: kept within a size. */
function compact(event: TesseraEvent): TesseraEvent {
  let details = event.details;
  if (details) {
    let size: number;
    try {
      size = JSON.stringify(details).length;
    } catch {
      size = Number.POSITIVE_INFINITY;
    }
    if (size > MAX_DETAILS_JSON) details = { omitted: `details larger than ${MAX_DETAILS_JSON} characters; see the log` };
  }
  return {
    ...event,
    clientId: cut(event.clientId),
    username: cut(event.username),
    reason: cut(event.reason),
    method: cut(event.method),
    remoteAddress: cut(event.remoteAddress),
    certificateThumbprint: cut(event.certificateThumbprint),
    details,
  };
}

function cut(value: string | undefined): string | undefined {
  return value !== undefined && value.length > MAX_TEXT ? `${value.slice(0, MAX_TEXT)}…` : value;
}
