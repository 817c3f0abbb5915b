/** `npm run bench:lifecycle [objects]`: one lifecycle pass over a bucket of 1,000,000 objects (default), 1 % due. */
import { measureDueRows } from '../test/scenarios/lifecycle/due-rows.js';

const objects = Number(process.argv[2] ?? 1_000_000);
const result = await measureDueRows(objects);
console.log(JSON.stringify({
  objects: result.objects,
  due: result.due,
  rowsRead: result.stats.rowsRead,
  expired: result.stats.expired,
  fillSeconds: result.fillMs / 1000,
  passSeconds: result.passMs / 1000,
}, null, 2));
if (result.stats.rowsRead !== result.due || result.stats.expired !== result.due) process.exitCode = 1;
