/**
 * Which API stack serves a route: a rule on the route itself, so a route added to shared/http/routes.ts
 * lands in a stack without anyone editing the infrastructure, and a route never moves between stacks
 * unless its path changes (a move would briefly declare the same route key in two stacks).
 *
 * Each route costs its stack 8 CloudFormation resources (function, role, policy, log group, invoke
 * permission, integration, route, error alarm); a stack may hold 500. The groups and their room are
 * printed by `npm run synth` and checked by test/infra/stacks.test.ts.
 */
import type { RouteDefinition } from '../shared/http/routes';

export interface RouteGroup {
  /** Construct id of the stack (the stack name is the app prefix + this). */
  readonly id: string;
  readonly description: string;
  /** Whether a route belongs here; the first group that takes a route gets it. */
  readonly takes: (route: RouteDefinition) => boolean;
}

/** A project's money (what moved it and what it came to), the rest of the project, then everything else. */
export const PROJECT_MONEY = /^\/projects\/\{projectId\}\/(payments|adjustments|credits|topups|auto-topup|ledger|usage|statements|reports)(\/|$)/;

/**
 * The project's money routes, its other routes (`/projects/{projectId}/…`), then everything else.
 * Three groups because this round's corrections, statements and reports would have left the one
 * project stack room for only 15 more routes.
 */
export const ROUTE_GROUPS: readonly RouteGroup[] = [
  {
    id: 'ApiProjectMoney',
    description: 'paygo HTTP API routes of a project\'s money (payments, corrections, credits, top-ups, ledger, usage, statements, reports): one function per route',
    takes: (route) => PROJECT_MONEY.test(route.path),
  },
  {
    id: 'ApiProjects',
    description: 'paygo HTTP API routes under /projects/{projectId}: one function per route',
    takes: (route) => route.path.startsWith('/projects/{projectId}'),
  },
  {
    id: 'ApiPlatform',
    description: 'paygo HTTP API routes outside a project (catalog, plans, keys, usage, admin, public): one function per route',
    takes: () => true,
  },
];

/** The routes of each group, in declaration order; every route is in exactly one. */
export function groupRoutes<R extends RouteDefinition>(routes: readonly R[]): Map<RouteGroup, R[]> {
  const groups = new Map<RouteGroup, R[]>(ROUTE_GROUPS.map((g) => [g, []]));
  for (const route of routes) {
    const group = ROUTE_GROUPS.find((g) => g.takes(route))!;
    groups.get(group)!.push(route);
  }
  return groups;
}

/** CloudFormation resources one route adds to its stack (see the header). */
export const RESOURCES_PER_ROUTE = 8;
/** The CloudFormation limit per stack. */
export const STACK_RESOURCE_LIMIT = 500;
/** What paygo keeps each stack under: a round of new routes must fit without a redesign. */
export const STACK_RESOURCE_BUDGET = 400;
