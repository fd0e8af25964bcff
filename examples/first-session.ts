import { createPaygoClient } from '../client';

const paygo = createPaygoClient({ baseUrl: process.env.PAYGO_URL ?? 'http://localhost:3000', apiKey: process.env.PAYGO_ADMIN_KEY });
const run = Date.now(); // paymentId and eventId are global: new ones on every run

void (async () => {
  const { data: project, error, response } = await paygo.POST('/projects', { body: { name: 'Acme Kyiv' } });
  // No error body on a 429: API Gateway answers that one itself, with {"message"}.
  if (!project) throw new Error(error?.error.message ?? `HTTP ${response.status}`);
  const path = { projectId: project.projectId };
  await paygo.POST('/projects/{projectId}/payments', { params: { path }, body: { paymentId: `pay-${run}`, amount: 50000 } });
  await paygo.POST('/usage', { body: { events: [{ eventId: `call-${run}`, projectId: path.projectId, kind: 'outgoing_call', destination: '+380501234567', occurredAt: new Date().toISOString(), durationSec: 95 }] } });
  const { data: ledger } = await paygo.GET('/projects/{projectId}/ledger', { params: { path } });
  console.log(ledger?.entries);
})();
