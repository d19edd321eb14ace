/**
 * The rows of a raw statement, unchecked: for tests and benchmarks that read back what they wrote
 * with a one-off query. Product code parses its rows with a schema instead (server/db/rows.ts).
 */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
