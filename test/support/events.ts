/** A project's events as the outbox holds them (every page), for tests that check what a change caused. */
import type { ProjectEvent } from '../../shared/domain/events';
import { storeContext, type StoreContext } from '../../shared/store/context';
import { listEvents } from '../../shared/store/events';

export async function projectEvents(projectId: string, ctx: StoreContext = storeContext()): Promise<ProjectEvent[]> {
  const out: ProjectEvent[] = [];
  let after: string | undefined;
  do {
    const page = await listEvents(ctx, projectId, { limit: 1000, ...(after ? { after } : {}) });
    out.push(...page.events);
    after = page.nextCursor ?? undefined;
  } while (after);
  return out;
}

/** The types of a project's events, in sequence order. */
export async function eventTypes(projectId: string, ctx?: StoreContext): Promise<string[]> {
  return (await projectEvents(projectId, ctx)).map((e) => e.type);
}
