/**
 * Stands in for `mnemonist/lru-cache` in Lambda bundles (an esbuild alias in
 * lib/constructs/paygo-function.ts). Its one user is the SDK's endpoint-discovery cache
 * (@aws-sdk/endpoint-cache: get, set, has, peek, clear), which paygo's DynamoDB client creates and
 * never fills: endpoint discovery is off. A Map in insertion order is a least-recently-used cache
 * when a read moves the entry to the end. About 5 KB less per bundle.
 */
export default class LRUCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
    return this;
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
