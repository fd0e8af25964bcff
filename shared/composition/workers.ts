/**
 * The composition root of the functions that are not HTTP routes (queues, streams, schedules): the
 * store context they run with, so a handler imports no store file. It pulls in nothing of the HTTP
 * layer, which these functions' bundles do not need.
 */
export { storeContext, todayOf, type StoreContext } from '../store/context';
