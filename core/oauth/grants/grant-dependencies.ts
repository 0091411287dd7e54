import type { Store } from '../../store/repositories.ts';
import type { TokenService } from '../../tokens/token-service.ts';
import type { UserService } from '../../users/user-service.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { Clock } from '../../time/clock.ts';

/** What the core's grant handlers share; built once at start-up. */
export interface GrantDependencies {
  store: Store;
  tokens: TokenService;
  users: UserService;
  events: EventBus;
  clock: Clock;
  settings: {
    defaultScopes: string[];
    allowPlainPkce: boolean;
    requirePkceForPublicClients: boolean;
  };
}
