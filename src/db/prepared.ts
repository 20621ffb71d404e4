import type { Compilable, CompiledQuery, QueryResult } from 'kysely';

/** Something that runs compiled queries: the database or a transaction of it. */
export interface QueryRunner {
  executeQuery<R>(query: CompiledQuery<R>): Promise<QueryResult<R>>;
}

/** A statement compiled once, run with new parameter values each time. */
export type PreparedQuery<P, R> = (runner: QueryRunner, params: P) => Promise<QueryResult<R>>;

const SENTINEL = '\u0000goodtake-param:';

/**
 * Builds a query with Kysely's builder once, at start-up, and keeps the SQL it compiles to.
 * The request path runs the same dozen statements on every request; building and compiling
 * them through the query builder each time cost more than executing them (bench scenario 1).
 *
 * `build` receives placeholders instead of values. They must be used only as values (the
 * builder turns each into a bound parameter); anything else (arithmetic on them, a placeholder
 * inlined into the SQL text, a name never used) is caught here, when the statement is prepared.
 */
export function prepareQuery<P extends object, R>(
  names: ReadonlyArray<keyof P & string>,
  build: (values: P) => Compilable<R>,
): PreparedQuery<P, R> {
  const placeholders = Object.fromEntries(names.map((n) => [n, `${SENTINEL}${n}`])) as P;
  const compiled = build(placeholders).compile();
  if (compiled.sql.includes(SENTINEL)) {
    throw new Error(`prepareQuery: a placeholder was inlined into the SQL: ${compiled.sql}`);
  }
  // Per bound parameter: the name of the value it takes, or a constant of the statement.
  const slots = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(SENTINEL)
      ? { name: value.slice(SENTINEL.length) }
      : { value },
  );
  for (const name of names) {
    if (!slots.some((s) => 'name' in s && s.name === name)) {
      throw new Error(`prepareQuery: parameter ${name} is not bound in: ${compiled.sql}`);
    }
  }
  return (runner, params) =>
    runner.executeQuery<R>({
      ...compiled,
      parameters: slots.map((s) => ('name' in s ? params[s.name as keyof P] : s.value)),
    });
}
