/**
 * The composition root of the API handlers: what the HTTP layer and the use cases are run with. A
 * handler imports its store context from here (never a store file), and importing it plugs the
 * store's idempotency records into the route factory (shared/http/route.ts), which does not know
 * the store.
 */
import { useIdempotencyStore } from '../http/route';
import { storeContext } from '../store/context';
import { claimIdempotencyKey, completeIdempotencyKey, releaseIdempotencyKey } from '../store/idempotency';

export { storeContext, todayOf, type StoreContext } from '../store/context';

useIdempotencyStore({
  claim: (scope, request, token) => claimIdempotencyKey(storeContext(), scope, request, token),
  complete: (scope, token, answer) => completeIdempotencyKey(storeContext(), scope, token, answer),
  release: (scope, token) => releaseIdempotencyKey(storeContext(), scope, token),
});
