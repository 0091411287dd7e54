/**
 * The services a bundle gets (`ctx.services`), built from the host's tsyringe container: typed,
 * read-only, and answering copies, so no bundle holds the raw store or a record the core uses.
 */
import type { DependencyContainer } from 'tsyringe';
import type { CoreServices } from '../api/plugin-context.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';
import type { EventBus } from '../runtime/event-bus.ts';
import { SERVICE_TOKENS } from '../runtime/service-tokens.ts';
import type { Store } from '../store/repositories.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { createReplayGuard } from '../oauth/replay-guard.ts';
import { x509Service } from './x509-service.ts';

export function pluginServices(container: DependencyContainer): CoreServices {
  const store = () => container.resolve<Store>(SERVICE_TOKENS.Store);
  return Object.freeze({
    clients: Object.freeze({
      find: async (server, clientId) => copy(await store().clients.get(server, clientId)),
    }),
    tokens: Object.freeze({
      findRefreshToken: async (server, value) => copy(await container.resolve<TokenService>(SERVICE_TOKENS.Tokens).findRefreshToken(server, value)),
    }),
    events: Object.freeze({
      emit: (event) => container.resolve<EventBus>(SERVICE_TOKENS.Events).emit(event),
    }),
    replay: Object.freeze({
      claim: (server, namespace, id, expiresAt) =>
        createReplayGuard(store().kv, () => Math.floor(Date.now() / 1000)).claim(server, namespace, id, expiresAt),
    }),
    x509: x509Service,
    thumbprint: certificateThumbprint,
  } satisfies CoreServices);
}

function copy<T>(value: T | null): T | null {
  return value === null ? null : structuredClone(value);
}
