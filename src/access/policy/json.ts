/**
 * JSON.parse keeps the last of two members of the same name; the policy grammar says
 * "Individual elements must not contain multiple instances of the same key", and a policy
 * whose `Effect` is written twice must not be read as either one. This scan finds a name
 * repeated within one object of a text JSON.parse has already accepted.
 */
export function hasDuplicateNames(json: string): boolean {
  /** Per open container: the names seen (objects) or undefined (arrays). */
  const stack: (Set<string> | undefined)[] = [];
  let expectName = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let end = i + 1;
      while (json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectName && top !== undefined) {
        const name = JSON.parse(json.slice(i, end + 1)) as string;
        if (top.has(name)) return true;
        top.add(name);
        expectName = false;
      }
      i = end;
    } else if (c === '{') {
      stack.push(new Set());
      expectName = true;
    } else if (c === '[') {
      stack.push(undefined);
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = stack[stack.length - 1] !== undefined;
    }
  }
  return false;
}
