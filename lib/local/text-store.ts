/**
 * Local mode's in-memory DynamoDB keeps its keys and values as strings.
 *
 * dynalite keeps an in-memory table in memory-level, whose store holds Buffers unless told otherwise. dynalite's keys
 * are strings and its values JSON, so every put turned each into a Buffer and every read turned it back: about a
 * tenth of the DynamoDB thread's time under load, plus the garbage. Each small Buffer was also a slice of Node's
 * shared 8 KB pool that kept its whole slab alive while stored (27 MB per 200 runs that no collection could free).
 *
 * memory-level can store strings instead (`storeEncoding: 'utf8'`), compared with `<`: the order of UTF-16 code
 * units. That is the order DynamoDB sorts in (UTF-8 bytes) only for keys whose characters sort the same in both,
 * and dynalite's keys are such: it writes string and binary key values in hex, numbers as digit strings, and table
 * names in DynamoDB's ASCII alphabet. test/local/endpoints/text-store.test.ts checks a Query's order against
 * DynamoDB's on keys from every plane of Unicode.
 *
 * A data folder (`--data`) stores on disk (classic-level) and is not concerned.
 */
import { createRequire } from 'node:module';

type MemoryLevelClass = new (options?: Record<string, unknown>) => object;

const installed = Symbol.for('steward.textMemoryStore');

/** `require` as dynalite's own module has it: it resolves the packages dynalite loads, as dynalite does. */
export const dynaliteRequire = (): NodeJS.Require => createRequire(createRequire(import.meta.url).resolve('dynalite'));

/** The memory-level module dynalite loads (exports replaced in place, so dynalite's `require` sees them). */
function dynaliteMemoryLevelModule(): { MemoryLevel: MemoryLevelClass & { [installed]?: true } } {
  return dynaliteRequire()('memory-level') as { MemoryLevel: MemoryLevelClass };
}

/** Whether dynalite's store module has loaded in this thread (it has taken memory-level's class then). */
function dynaliteStoreLoaded(): boolean {
  const require = createRequire(import.meta.url);
  return require.cache[require.resolve('dynalite/db/index.js')] !== undefined;
}

/**
 * Makes the MemoryLevel dynalite creates store strings. Call it before dynalite is loaded: dynalite takes the class
 * from the module when it loads. Once per thread, however often called.
 */
export function textMemoryStore(): void {
  const module = dynaliteMemoryLevelModule();
  if (module.MemoryLevel[installed]) return;
  if (dynaliteStoreLoaded()) throw new Error('textMemoryStore() must run before dynalite is loaded');
  const Base = module.MemoryLevel;
  class TextMemoryLevel extends Base {
    static override readonly [installed] = true as const;
    constructor(options?: Record<string, unknown>) {
      super({ ...options, storeEncoding: 'utf8' });
    }
  }
  module.MemoryLevel = TextMemoryLevel;
}

/** The MemoryLevel class dynalite creates its in-memory store with (tests). */
export const dynaliteMemoryLevel = (): MemoryLevelClass => dynaliteMemoryLevelModule().MemoryLevel;
