/**
 * The services a bundle gets (`ctx.services`), built from the host's tsyringe container: typed,
 * read-only, and answering copies, so no bundle holds the raw store or a record the core uses.
 */
import type { DependencyContainer } from 'tsyringe';
import type { CoreServices } from '../api/plugin-context.ts';
import type { ServerRef } from '../api/model.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';
import type { EventBus } from '../events/event-bus.ts';
import { SERVICE_TOKENS } from './service-tokens.ts';
import { epochSeconds, type Clock } from '../time/clock.ts';
import type { Store } from '../store/repositories.ts';
import type { TokenService } from '../tokens/token-service.ts';
import { createReplayGuard } from '../store/replay-guard.ts';
import { x509Service } from './x509-service.ts';
import { createJwksService } from '../jwks-uri/jwks-service.ts';
import type { TesseraConfig } from '../config/schema.ts';

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
      claim: (server: ServerRef, namespace: string, id: string, expiresAt: number) =>
        createReplayGuard(store().kv, () => epochSeconds(container.resolve<Clock>(SERVICE_TOKENS.Clock))).claim(server, namespace, id, expiresAt),
    }),
    jwks: createJwksService(container.resolve<TesseraConfig>(SERVICE_TOKENS.Config).limits, container.resolve<Clock>(SERVICE_TOKENS.Clock)),
    x509: x509Service,
    thumbprint: certificateThumbprint,
    clock: Object.freeze({ now: () => container.resolve<Clock>(SERVICE_TOKENS.Clock).now() }),
  } satisfies CoreServices);
}

function copy<T>(value: T | null): T | null {
  return value === null ? null : structuredClone(value);
}
