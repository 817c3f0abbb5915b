/**
 * The entries of a JSON document given at start-up as `{"<list>": [{…}, …]}` (notify targets,
 * replication destinations), each with where it stands, for error messages. A malformed document
 * throws an Error saying so: start-up fails rather than refusing configurations or dropping work later.
 */
export function configEntries(text: string, source: string, list: string): Array<{ readonly where: string; readonly fields: Record<string, unknown> }> {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new Error(`${source}: not JSON (${(error as Error).message})`);
  }
  const entries = typeof document === 'object' && document !== null ? (document as Record<string, unknown>)[list] : undefined;
  if (!Array.isArray(entries)) throw new Error(`${source}: expected {"${list}": [...]}`);
  return entries.map((entry: unknown, i) => {
    const where = `${source}: ${list}[${i}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where}: not an object`);
    return { where, fields: entry as Record<string, unknown> };
  });
}
