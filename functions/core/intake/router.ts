import { MethodNotAllowedError, NotFoundError } from '#core/domain/errors.ts';
import type { HttpRequest, HttpResponse } from '#core/http/http.ts';

export type RouteHandler = (request: HttpRequest) => Promise<HttpResponse>;

export interface Route {
  /** Exact path, or a prefix when it ends with `/*`. */
  path: string;
  methods: Partial<Record<string, RouteHandler>>;
}

/** Dispatches on path and method. @throws NotFoundError, MethodNotAllowedError */
export function createRouter(routes: readonly Route[]): RouteHandler {
  return async (request) => {
    const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
    const route = routes.find((r) =>
      r.path.endsWith('/*')
        ? path.startsWith(r.path.slice(0, -1)) || path === r.path.slice(0, -2)
        : r.path === path,
    );
    if (!route) throw new NotFoundError(`No route for ${path}`);
    const handler = route.methods[request.method];
    if (!handler) throw new MethodNotAllowedError(Object.keys(route.methods));
    return handler(request);
  };
}
