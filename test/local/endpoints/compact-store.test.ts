import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compactMemoryStore, dynaliteMemoryLevel, ownBytes } from '../../../lib/local/compact-store.ts';

type Store = {
  open(): Promise<void>;
  put(key: string, value: string): Promise<void>;
  batch(ops: Array<{ type: 'put'; key: string; value: string } | { type: 'del'; key: string }>): Promise<void>;
  iterator(options?: { keys?: boolean; values?: boolean }): AsyncIterable<[Buffer, Buffer]>;
  close(): Promise<void>;
};

/** A memory-level store as dynalite opens one, but with Buffer keys and values visible to the test. */
function openStore(): Store {
  const MemoryLevel = dynaliteMemoryLevel() as unknown as new (o: unknown) => Store;
  return new MemoryLevel({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
}

/** Puts through `put` and `batch`, each value made between transient buffers (as a request makes its own). */
async function fill(store: Store, entries: ReadonlyArray<[string, string]>): Promise<void> {
  const transient: Buffer[] = [];
  for (const [i, [key, value]] of entries.entries()) {
    transient.push(Buffer.from(`request ${i} `.repeat(20)));
    const k = Buffer.from(key) as unknown as string;
    const v = Buffer.from(value) as unknown as string;
    if (i % 2 === 0) await store.put(k, v);
    else await store.batch([{ type: 'put', key: k, value: v }]);
  }
}

describe("the in-memory DynamoDB's store", () => {
  it('copies a pooled Buffer into one of its own size, and leaves everything else as it is', () => {
    const pooled = Buffer.from('a small value');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.byteLength);
    const own = ownBytes(pooled);
    expect(own.equals(pooled)).toBe(true);
    expect(own.buffer.byteLength).toBe(own.byteLength);
    const exact = Buffer.allocUnsafeSlow(4);
    expect(ownBytes(exact)).toBe(exact);
    expect(ownBytes('text')).toBe('text');
    expect(ownBytes(undefined)).toBeUndefined();
  });

  it('keeps keys and values that do not pin Node’s shared buffer pool once compacted', async () => {
    compactMemoryStore();
    compactMemoryStore(); // once per thread, however often asked
    const store = openStore();
    await store.open();
    await fill(
      store,
      Array.from({ length: 50 }, (_, i) => [`pk#${i}`, JSON.stringify({ n: i })]),
    );
    let seen = 0;
    for await (const [key, value] of store.iterator()) {
      expect(key.buffer.byteLength).toBe(key.byteLength);
      expect(value.buffer.byteLength).toBe(value.byteLength);
      seen++;
    }
    expect(seen).toBe(50);
    await store.close();
  });

  it('stores the same bytes in the same order (property)', async () => {
    compactMemoryStore();
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }), fc.string()), {
          selector: ([key]) => Buffer.from(key).toString('hex'),
          maxLength: 30,
        }),
        async (entries) => {
          const store = openStore();
          await store.open();
          await fill(store, entries);
          const read: Array<[string, string]> = [];
          for await (const [key, value] of store.iterator()) read.push([key.toString('hex'), value.toString()]);
          const expected = entries
            .map(([k, v]) => [Buffer.from(k), v] as const)
            .sort((a, b) => Buffer.compare(a[0], b[0]))
            .map(([k, v]): [string, string] => [k.toString('hex'), v]);
          expect(read).toEqual(expected);
          await store.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
