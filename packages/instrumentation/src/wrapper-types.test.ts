import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agent } from './agent.ts';
import { type Tool, tool } from './tool.ts';
import type { WrappedFunction } from './wrapper-identity.ts';

// Types of what tool() and agent() return, checked by the type checker (`npm run typecheck`, part
// of `npm test`): an unused @ts-expect-error, or a `same` whose types differ, fails it. Nothing
// here calls a wrapped function; that `this` reaches `fn` at run time is tested in
// policies.test.ts ("called as methods").

/**
 * `true` exactly when X and Y are one type (assignability would let a missing optional through).
 * The same check as protocol's internal same-type.ts, which that package does not export.
 */
type Same<X, Y> = (<V>() => V extends X ? 1 : 2) extends <V>() => V extends Y ? 1 : 2 ? true : false;
/** Compiles only when X and Y are one type. */
const same = <X, Y>(proof: Same<X, Y>): boolean => proof;

class Db {
  readonly rows = new Map([['a', 1]]);
  readonly search = tool('db_search', function search(this: Db, q: string) {
    return this.rows.get(q);
  });
  readonly summarize = agent('db_summarizer', async function summarize(this: Db, q: string) {
    return `${q}: ${this.rows.size} rows`;
  });
}

describe('tool() and agent() types', () => {
  it('keep the `this` type of a function that declares one', () => {
    const db = new Db();
    assert.ok(same<typeof db.search, Tool<[q: string], number | undefined, Db>>(true));
    assert.ok(same<typeof db.summarize, (this: Db, q: string) => Promise<string>>(true));
    const misuses = () => {
      const { search, summarize } = db;
      // @ts-expect-error called detached, the tool's `fn` would get `this` undefined
      void search('a');
      // @ts-expect-error called detached, the agent's `fn` would get `this` undefined
      void summarize('a');
      // @ts-expect-error called on an object that is not a Db
      void search.call({ rows: 'no map' }, 'a');
      const index: { readonly name: string; find(this: { readonly name: string }, q: string): unknown } = {
        name: 'docs',
        find: (q) => q,
      };
      // @ts-expect-error installed as the method of an object that is not a Db
      index.find = search;
      return index;
    };
    // Right uses: as a method, and with an explicit Db.
    const uses = () => [db.search('a'), db.summarize('a'), db.search.call(db, 'a')];
    assert.equal(typeof misuses, 'function');
    assert.equal(typeof uses, 'function');
  });

  it('give a function without `this` (an arrow function) a wrapper without one, as before', () => {
    const count = tool('count_words', async (text: string) => text.split(' ').length);
    const greet = agent('greeter', (name: string) => `hello ${name}`);
    assert.ok(same<typeof count, Tool<[text: string], number>>(true));
    assert.ok(same<typeof count, ((text: string) => Promise<number>) & { readonly toolName: string }>(true));
    assert.ok(same<typeof greet, (name: string) => Promise<string>>(true));
    assert.ok(same<typeof greet, WrappedFunction<[name: string], string>>(true));
    // The checker holds `this: unknown` and no `this` for one type, so `same` passes either way;
    // that editors show no `this: unknown` is WrappedFunction's conditional, read in the built .d.ts.

    // Callable anywhere: detached, and as a method of any object.
    const holder = { count, greet };
    const uses = () => [count('a b'), greet('x'), holder.count('a'), holder.greet('y')];
    assert.equal(typeof uses, 'function');
  });
});
