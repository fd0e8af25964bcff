/**
 * Matches a request against the route table the way API Gateway HTTP API does: a `{param}` matches
 * exactly one non-empty path segment, and a literal segment wins over a parameter where both would
 * match. No trailing-slash folding: `/health/` is not `/health`, as on API Gateway.
 */
import type { HttpMethod, RouteDefinition } from '../shared/http/routes';

export interface CompiledRoute {
  route: RouteDefinition;
  /** `GET /projects/{projectId}`: the API Gateway route key. */
  routeKey: string;
  segments: ({ literal: string } | { param: string })[];
}

export type RouteMatch =
  | { kind: 'route'; route: RouteDefinition; routeKey: string; params: Record<string, string> }
  /** The path exists but not for this method. */
  | { kind: 'method_not_allowed'; allowed: HttpMethod[] }
  | { kind: 'not_found' }
  /** A path segment with broken percent-encoding. */
  | { kind: 'bad_path' };

/** The API Gateway route key of a route definition. */
export const routeKeyOf = (route: Pick<RouteDefinition, 'method' | 'path'>): string => `${route.method} ${route.path}`;

/** Prepares a route table for matching, most specific routes first. */
export function compileRoutes(routes: readonly RouteDefinition[]): CompiledRoute[] {
  const compiled = routes.map((route) => ({
    route,
    routeKey: routeKeyOf(route),
    segments: route.path.split('/').slice(1).map((s) => {
      const m = /^\{([A-Za-z0-9_]+)\}$/.exec(s);
      return m ? { param: m[1]! } : { literal: s };
    }),
  }));
  // Most specific first: at the first segment where two routes differ, the literal one wins.
  return compiled.sort((a, b) => specificity(b) - specificity(a));
}

function specificity(r: CompiledRoute): number {
  // Earlier segments weigh more; literal beats param at every position.
  return r.segments.reduce((acc, s, i) => acc + ('literal' in s ? 2 ** (16 - i) : 0), 0);
}

/** Finds the route for `method rawPath`; path parameters are percent-decoded. */
export function matchRoute(compiled: readonly CompiledRoute[], method: string, rawPath: string): RouteMatch {
  const parts = rawPath.split('/').slice(1);
  const allowed: HttpMethod[] = [];
  let badPath = false;
  for (const c of compiled) {
    if (c.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < parts.length && ok; i++) {
      const seg = c.segments[i]!;
      const part = parts[i]!;
      if ('literal' in seg) {
        ok = seg.literal === part;
      } else if (part === '') {
        ok = false;
      } else {
        try {
          params[seg.param] = decodeURIComponent(part);
        } catch {
          badPath = true;
          ok = false;
        }
      }
    }
    if (!ok) continue;
    if (c.route.method === method) return { kind: 'route', route: c.route, routeKey: c.routeKey, params };
    if (!allowed.includes(c.route.method)) allowed.push(c.route.method);
  }
  if (allowed.length) return { kind: 'method_not_allowed', allowed };
  return badPath ? { kind: 'bad_path' } : { kind: 'not_found' };
}
