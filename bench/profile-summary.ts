/**
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [--inclusive]`: time by
 * function (the profiles `BENCH_PROFILE=1 npm run bench` leaves in bench/results/profiles) — self
 * time, or with --inclusive the time spent in a function and everything it called.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const args = process.argv.slice(2);
const inclusive = args.includes('--inclusive');
const [file, topArg] = args.filter((a) => a !== '--inclusive');
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const top = Number(topArg ?? 30);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
const nameOf = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*\/(src|node_modules|dist)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const time = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  // Inclusive: every distinct function on the sample's stack is charged once.
  const names = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = inclusive ? parentOf.get(at) : undefined) names.add(nameOf(byId.get(at)!));
  for (const name of names) time.set(name, (time.get(name) ?? 0) + dt);
});
const rows = [...time.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
console.log(`total ${(total / 1000).toFixed(0)} ms (${inclusive ? 'inclusive' : 'self'} time)`);
for (const [name, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
