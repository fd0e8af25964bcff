/**
 * The twin serves exactly the routes the deployed HTTP API has: every RouteKey of the synthesised
 * template is matched by the twin's router to the route of the same key, and ROUTES has none the
 * template lacks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../shared/http/routes';
import { compileRoutes, matchRoute, routeKeyOf } from '../../local/router';

const compiled = compileRoutes(ROUTES);

/** A concrete path for a template, with awkward but legal values for each parameter. */
function samplePath(template: string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    params[name] = name === 'number' ? '+380441234567' : `${name}-x y`;
    return encodeURIComponent(params[name]!);
  });
  return { path, params };
}

describe('the synthesised template', () => {
  let templateKeys: string[] = [];
  beforeAll(async () => {
    const { synthPaygo } = await import('../infra/template');
    const routes = synthPaygo().template.findResources('AWS::ApiGatewayV2::Route');
    templateKeys = Object.values(routes).map((r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey).sort();
  }, 120_000);

  it('has a route for every entry of ROUTES and no other', () => {
    expect(templateKeys.length).toBeGreaterThan(0);
    expect(templateKeys).toEqual(ROUTES.map(routeKeyOf).sort());
  });

  it('every template route is served by the twin with its path parameters decoded', () => {
    for (const key of templateKeys) {
      const [method, template] = key.split(' ') as [string, string];
      const { path, params } = samplePath(template);
      const m = matchRoute(compiled, method, path);
      expect(m, key).toMatchObject({ kind: 'route', routeKey: key, params });
    }
  });
});

describe('router', () => {
  it('serves every ROUTES entry under its own key', () => {
    for (const r of ROUTES) {
      const { path } = samplePath(r.path);
      expect(matchRoute(compiled, r.method, path)).toMatchObject({ kind: 'route', routeKey: routeKeyOf(r) });
    }
  });

  it('answers not_found for unknown paths, a trailing slash, and an empty parameter', () => {
    expect(matchRoute(compiled, 'GET', '/nope').kind).toBe('not_found');
    expect(matchRoute(compiled, 'GET', '/health/').kind).toBe('not_found');
    expect(matchRoute(compiled, 'GET', '/projects/').kind).toBe('not_found');
    expect(matchRoute(compiled, 'GET', '/projects/p1/extra/deep').kind).toBe('not_found');
  });

  it('answers method_not_allowed with the allowed methods for a known path', () => {
    expect(matchRoute(compiled, 'DELETE', '/projects/p1')).toEqual({ kind: 'method_not_allowed', allowed: ['GET'] });
    expect(matchRoute(compiled, 'GET', '/usage')).toEqual({ kind: 'method_not_allowed', allowed: ['POST'] });
  });

  it('decodes percent-encoded parameters, keeps a literal +, and flags broken encodings', () => {
    expect(matchRoute(compiled, 'DELETE', '/projects/p1/numbers/%2B380441234567')).toMatchObject({ params: { projectId: 'p1', number: '+380441234567' } });
    expect(matchRoute(compiled, 'DELETE', '/projects/p1/numbers/+380441234567')).toMatchObject({ params: { number: '+380441234567' } });
    expect(matchRoute(compiled, 'GET', '/projects/%E0%A4%A').kind).toBe('bad_path');
  });

  it('prefers a literal segment over a parameter', () => {
    const routes = compileRoutes([
      { method: 'GET', path: '/a/{id}', name: 'P', entry: 'p.ts', auth: false, tables: {} },
      { method: 'GET', path: '/a/special', name: 'L', entry: 'l.ts', auth: false, tables: {} },
    ]);
    expect(matchRoute(routes, 'GET', '/a/special')).toMatchObject({ routeKey: 'GET /a/special' });
    expect(matchRoute(routes, 'GET', '/a/other')).toMatchObject({ routeKey: 'GET /a/{id}', params: { id: 'other' } });
  });
});
