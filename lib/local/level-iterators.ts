/**
 * Local mode's DynamoDB closes the store iterators its reads open.
 *
 * dynalite reads a Query, a Scan or ListTables through a stream over an abstract-level iterator, and when the read
 * is done it destroys the stream, which ends the iterator by calling `iterator.return()` where the iterator has one.
 * abstract-level 3's iterators have none (they close with `close()`), so every read left its iterator open: attached
 * to the store until the store closed, and holding what it was reading. In memory (memory-level) an iterator holds
 * the version of the tree it started on, so each open one kept every node written since alive: the DynamoDB thread's
 * heap grew by about 35 MB per 200 runs and never shrank, until local mode passed 1 GB after ten bursts. On disk
 * (`--data`, classic-level) each one held a LevelDB snapshot.
 *
 * {@link closeLevelIterators} gives abstract-level's iterators the `return()` dynalite calls, closing them. A closed
 * iterator frees what it held; closing one twice is allowed by abstract-level, so a stream destroyed twice is harmless.
 * test/local/endpoints/level-iterators.test.ts counts the iterators left open after reads of every kind.
 */
import { createRequire } from 'node:module';
import { dynaliteRequire } from './text-store.ts';

interface ClosableIterator {
  close(): Promise<void>;
  return?: () => Promise<IteratorResult<never, undefined>>;
}

const installed = Symbol.for('steward.closeLevelIterators');

/** abstract-level's exports: its classes, by name. */
type AbstractLevelModule = Record<string, { prototype: object }>;

/** The abstract-level module as dynalite's stores load it (memory-level's, which classic-level shares). */
export function dynaliteAbstractLevel(): AbstractLevelModule {
  return createRequire(dynaliteRequire().resolve('memory-level'))('abstract-level') as AbstractLevelModule;
}

/** The prototype every abstract-level iterator (entries, keys, values) inherits, as dynalite's stores load it. */
export function levelIteratorPrototype(): ClosableIterator & { [installed]?: true } {
  const { AbstractValueIterator } = dynaliteAbstractLevel();
  return Object.getPrototypeOf(AbstractValueIterator?.prototype) as ClosableIterator;
}

/** Makes the iterators of dynalite's stores close when dynalite ends them. Once per thread, however often called. */
export function closeLevelIterators(): void {
  const proto = levelIteratorPrototype();
  if (proto[installed]) return;
  if (typeof proto.close !== 'function' || proto.return !== undefined) {
    throw new Error('abstract-level iterators changed shape: revisit lib/local/level-iterators.ts');
  }
  Object.defineProperty(proto, 'return', {
    configurable: true,
    writable: true,
    value: async function (this: ClosableIterator): Promise<IteratorResult<never, undefined>> {
      await this.close();
      return { done: true, value: undefined };
    },
  });
  Object.defineProperty(proto, installed, { value: true });
}
