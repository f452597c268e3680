// A stand-in for a Cloudflare Workers R2 binding, for tests and benchmarks
// under node: the methods, options and answers storage/r2 uses (put with
// onlyIf etagDoesNotMatch "*" answering null for an existing key, get,
// delete, list with prefix, limit, cursor and truncated). It is one
// expression, the class: load it with eval. failPutsFrom, when set, makes
// every put from that one on (1-based) reject, as an R2 outage would;
// latencyMs delays every answer.
(class FakeR2 {
  constructor() {
    this.objects = new Map();
    this.puts = 0;
    this.failPutsFrom = 0;
    this.latencyMs = 0;
  }
  async wait() {
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
  }
  async put(key, value, options) {
    await this.wait();
    this.puts++;
    if (this.failPutsFrom > 0 && this.puts >= this.failPutsFrom) {
      throw new Error(`put: fake R2 outage on ${key}`);
    }
    const ifNoneMatch = options && options.onlyIf && options.onlyIf.etagDoesNotMatch;
    if (ifNoneMatch === '*' && this.objects.has(key)) return null;
    const bytes = new Uint8Array(value); // a copy, as R2 keeps its own
    this.objects.set(key, bytes);
    return { key, size: bytes.length };
  }
  async get(key) {
    await this.wait();
    const bytes = this.objects.get(key);
    if (bytes === undefined) return null;
    return { key, size: bytes.length, arrayBuffer: async () => bytes.slice().buffer };
  }
  async delete(keys) {
    await this.wait();
    for (const k of Array.isArray(keys) ? keys : [keys]) this.objects.delete(k);
  }
  async list(options = {}) {
    await this.wait();
    const prefix = options.prefix || '';
    const limit = options.limit || 1000;
    const all = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
    const start = options.cursor ? Number(options.cursor) : 0;
    const page = all.slice(start, start + limit);
    const truncated = start + limit < all.length;
    return {
      objects: page.map((key) => ({ key, size: this.objects.get(key).length })),
      truncated,
      cursor: truncated ? String(start + limit) : undefined,
    };
  }
})
