import type { HttpBindings } from '@hono/node-server';
import type { RequestInfo } from '../api/extension-points.ts';
import type { ServerContext } from '../api/model.ts';

/** Typed Hono context: the Node request underneath, and what middleware resolved for the route. */
export interface TesseraEnv {
  Bindings: HttpBindings;
  Variables: {
    /** The authorization server the path names (default/default for `/oauth2/...`). */
    server: ServerContext;
    requestInfo: RequestInfo;
  };
}
