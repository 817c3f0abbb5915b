/**
 * Versioned schema migrations, shared shape for every MetadataStore. Each store keeps its own
 * ordered list; version N's migration turns a version N-1 database into version N. A database
 * records the versions applied in its `schema_version` table, and a store applies the missing
 * ones at start-up, in one transaction. Migrations are never edited once released: a change to
 * the schema is a new entry at the end.
 */
export interface Migration {
  readonly version: number;
  /** What it changes, for the schema_version row and for people reading the list. */
  readonly description: string;
  readonly sql: string;
}

/** The schema version a list of migrations produces; throws if the list is not 1, 2, 3… */
export function schemaVersionOf(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i + 1} is numbered ${m.version}`);
  });
  return migrations.length;
}

/** The migrations a database at `current` still needs; refuses a database newer than this code. */
export function pendingMigrations(migrations: readonly Migration[], current: number): readonly Migration[] {
  const latest = schemaVersionOf(migrations);
  if (current > latest) {
    throw new Error(`the metadata database is at schema version ${current}, newer than this Coffer (${latest}): upgrade Coffer`);
  }
  return migrations.slice(current);
}
