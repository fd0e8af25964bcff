/**
 * A number has one owner at a time (issue 13 §2): renting a number another project holds during any
 * part of the period asked for is a 409 `number_taken` that writes nothing; a released number can be
 * rented by another project from the instant of its release; backdated and future changes count;
 * two projects renting the same number at once: exactly one wins.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as addNumber } from '../../functions/api/add-number';
import { handler as removeNumber } from '../../functions/api/remove-number';
import { storeContext } from '../../shared/store/context';
import { readNumberHolding } from '../../shared/store/numbers';
import { billingEnv, newProject } from '../support/billing';
import { call, projectAuth, type Auth } from '../support/http';

let env: Awaited<ReturnType<typeof billingEnv>>;
beforeAll(async () => { env = await billingEnv('2026-03-10T10:00:00Z'); });

const ADD = 'POST /projects/{projectId}/numbers';
const REMOVE = 'DELETE /projects/{projectId}/numbers/{number}';
const add = (projectId: string, number: string, effectiveAt?: string, auth?: Auth) =>
  call(addNumber, ADD, { ...(auth ? { auth } : {}), params: { projectId }, body: { number, type: 'local', ...(effectiveAt ? { effectiveAt } : {}) } });
const remove = (projectId: string, number: string, effectiveAt?: string) =>
  call(removeNumber, REMOVE, { params: { projectId, number }, ...(effectiveAt ? { query: { effectiveAt } } : {}) });
const projectsTable = async () => JSON.stringify((await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE, ConsistentRead: true }))).Items);
const taken = (res: { status: number; body: { error?: { code: string; message: string } } }) => [res.status, res.body.error?.code];

describe('one owner per number', () => {
  it('refuses a number another project holds now, writing nothing, and names no project', async () => {
    env.at('2026-03-10T10:00:00Z');
    const a = await newProject({ billingStartDate: '2026-03-10' });
    const b = await newProject({ billingStartDate: '2026-03-10' });
    expect((await add(a, '+380441000001', undefined, projectAuth(a))).status).toBe(201);
    const before = await projectsTable();
    const res = await add(b, '+380441000001', undefined, projectAuth(b));
    expect(taken(res)).toEqual([409, 'number_taken']);
    expect(res.body.error!.message).not.toContain(a);
    expect(await projectsTable()).toBe(before);
  });

  it('lets another project rent a released number from the instant of the release, not a millisecond before', async () => {
    env.at('2026-03-10T10:00:00Z');
    const a = await newProject({ billingStartDate: '2026-03-10' });
    const b = await newProject({ billingStartDate: '2026-03-10' });
    await add(a, '+380441000002');
    env.at('2026-03-10T11:00:00Z');
    expect((await remove(a, '+380441000002')).status).toBe(204);
    expect(taken(await add(b, '+380441000002', '2026-03-10T10:59:59.999Z'))).toEqual([409, 'number_taken']);
    expect((await add(b, '+380441000002', '2026-03-10T11:00:00.000Z')).status).toBe(201);
    // ...and now B holds it: A cannot take it back.
    env.at('2026-03-10T12:00:00Z');
    expect(taken(await add(a, '+380441000002'))).toEqual([409, 'number_taken']);
    expect((await readNumberHolding(storeContext(), '+380441000002')).periods).toEqual([
      { projectId: a, from: '2026-03-10T10:00:00.000Z', until: '2026-03-10T11:00:00.000Z' },
      { projectId: b, from: '2026-03-10T11:00:00.000Z', until: null },
    ]);
  });

  it('counts a release scheduled in the future: the number is free from then, taken until then', async () => {
    env.at('2026-03-10T10:00:00Z');
    const a = await newProject({ billingStartDate: '2026-03-10' });
    const b = await newProject({ billingStartDate: '2026-03-10' });
    await add(a, '+380441000003');
    expect((await remove(a, '+380441000003', '2026-03-12T09:00:00+02:00')).status).toBe(204);
    expect(taken(await add(b, '+380441000003'))).toEqual([409, 'number_taken']);
    expect(taken(await add(b, '+380441000003', '2026-03-12T06:59:59Z'))).toEqual([409, 'number_taken']);
    expect((await add(b, '+380441000003', '2026-03-12T07:00:00Z')).status).toBe(201);
    // A taking it again later than B's start overlaps B's open-ended holding.
    expect(taken(await add(a, '+380441000003', '2026-03-20T00:00:00Z'))).toEqual([409, 'number_taken']);
  });

  it('counts backdated changes: a period in the past blocks a backdated rent over it', async () => {
    env.at('2026-03-10T10:00:00Z');
    const a = await newProject({ billingStartDate: '2026-03-09' });
    const b = await newProject({ billingStartDate: '2026-03-09' });
    // B held it from 06:00 to 08:00 today (support recorded both afterwards).
    expect((await add(b, '+380441000004', '2026-03-10T06:00:00Z')).status).toBe(201);
    expect((await remove(b, '+380441000004', '2026-03-10T08:00:00Z')).status).toBe(204);
    expect(taken(await add(a, '+380441000004', '2026-03-09T12:00:00Z'))).toEqual([409, 'number_taken']);
    expect(taken(await add(a, '+380441000004', '2026-03-10T07:59:00Z'))).toEqual([409, 'number_taken']);
    // From the instant B released it, it is free.
    expect((await add(a, '+380441000004', '2026-03-10T08:00:00Z')).status).toBe(201);
  });

  it('refuses a rent that would run into another project\'s future holding', async () => {
    env.at('2026-03-10T10:00:00Z');
    const a = await newProject({ billingStartDate: '2026-03-10' });
    const b = await newProject({ billingStartDate: '2026-03-10' });
    // B rents from tomorrow noon (admin, in advance); a rent from now has no end, so it would overlap.
    expect((await add(b, '+380441000005', '2026-03-11T12:00:00+02:00')).status).toBe(201);
    expect(taken(await add(a, '+380441000005'))).toEqual([409, 'number_taken']);
    expect((await readNumberHolding(storeContext(), '+380441000005')).periods).toEqual([
      { projectId: b, from: '2026-03-11T10:00:00.000Z', until: null },
    ]);
  });

  it('is exact under concurrency: of projects renting one number at once, exactly one wins', async () => {
    env.at('2026-03-10T10:00:00Z');
    const projects = await Promise.all(Array.from({ length: 6 }, () => newProject({ billingStartDate: '2026-03-10' })));
    for (const n of ['+380442000001', '+380442000002', '+380442000003']) {
      const answers = await Promise.all(projects.map((p) => add(p, n)));
      const won = answers.filter((r) => r.status === 201);
      expect(won, n).toHaveLength(1);
      expect(answers.filter((r) => r.status !== 201).map(taken), n).toEqual(Array(projects.length - 1).fill([409, 'number_taken']));
      const winner = projects[answers.findIndex((r) => r.status === 201)]!;
      expect((await readNumberHolding(storeContext(), n)).periods, n).toEqual([{ projectId: winner, from: '2026-03-10T10:00:00.000Z', until: null }]);
    }
  });
});
