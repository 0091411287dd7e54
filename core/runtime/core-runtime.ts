import type { Logger } from '../api/plugin-context.ts';
import type { TesseraConfig } from '../config/schema.ts';
import type { ExtensionSet } from '../plugins/extension-set.ts';
import type { Store } from '../store/repositories.ts';
import type { SigningKeys } from '../tokens/signing-keys.ts';
import type { TokenService } from '../tokens/token-service.ts';
import type { ClientCertificateService } from '../transport/client-certificate-service.ts';
import type { TrustedProxies } from '../transport/trusted-proxies.ts';
import type { UserService } from '../users/user-service.ts';
import type { ClientAuthentication } from '../oauth/client-auth/client-authentication.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { ServerDirectory } from '../servers/server-directory.ts';
import type { InvalidationBus } from '../cluster/invalidation-bus.ts';
import type { CredentialCache } from '../users/credential-cache.ts';
import type { RecentEvents } from '../observability/recent-events.ts';
import type { Clock } from '../time/clock.ts';

/**
 * The services of the running server, built once at start-up (see runtime/start-server.ts). Only the
 * composition root sees all of them: each endpoint and route group declares the few it uses
 * (TokenEndpointDependencies, AdminRouteDependencies, ...), and this object is passed where they are
 * wired, since it fits every one.
 */
export interface CoreRuntime {
  readonly config: TesseraConfig;
  readonly logger: Logger;
  readonly store: Store;
  readonly keys: SigningKeys;
  readonly tokens: TokenService;
  readonly users: UserService;
  readonly events: EventBus;
  readonly extensions: ExtensionSet;
  readonly clientAuth: ClientAuthentication;
  readonly certificates: ClientCertificateService;
  /** Peers whose forwarded certificate and X-Forwarded-For are believed (transport.http.trusted_proxies). */
  readonly trustedProxies: TrustedProxies;
  readonly servers: ServerDirectory;
  /** Tells every node's caches what changed (PostgreSQL LISTEN/NOTIFY; in-process on SQLite). */
  readonly invalidation: InvalidationBus;
  /** Admin Basic credentials verified in the last minute (see oauth/admin-credentials.ts). */
  readonly adminCredentials: CredentialCache;
  /** The last audit events of this node, per type (GET /api/admin/{tid}/events). */
  readonly recentEvents: RecentEvents;
  /** The server's time (a TestClock in tests that move time instead of waiting). */
  readonly clock: Clock;
}
