import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseXml } from '../../../src/xml/codec.js';
import { parseXmlOffLoop } from '../../../src/xml/off-loop.js';

/** Long lists nested in long lists (batched separately by the worker), short ones, text, one-item lists. */
function nestedDocument(): string {
  const inner = (i: number) => `<Group><Name>g${i}</Name>${Array.from({ length: 600 + i }, (_, j) => `<Item>${i}.${j}</Item>`).join('')}<Single><Item>only</Item></Single></Group>`;
  return `<Root>${Array.from({ length: 3 }, (_, i) => inner(i)).join('')}${Array.from({ length: 1200 }, (_, i) => `<Part><N>${i}</N></Part>`).join('')}<Tail> t &amp; &#13; </Tail></Root>`;
}

test('parseXmlOffLoop.a large document (text or bytes) parses off the loop to exactly what parseXml gives', async () => {
  const text = nestedDocument();
  assert.ok(text.length > 32 * 1024, "past the inline-parse size");
  const expected = parseXml(text);
  assert.deepEqual(await parseXmlOffLoop(text), expected);
  assert.deepEqual(await parseXmlOffLoop(Buffer.from(text)), expected);
  const pooled = Buffer.concat([Buffer.from('   '), Buffer.from(text)]).subarray(3); // not its own memory: copied, not moved
  assert.deepEqual(await parseXmlOffLoop(pooled), expected);
  assert.equal(pooled.toString('utf8', 0, 6), '<Root>');
});

test('parseXmlOffLoop.malformed or over-limit large documents → MalformedXML (or the asked-for code); small ones too', async () => {
  const big = nestedDocument();
  await assert.rejects(parseXmlOffLoop(big.slice(0, -3)), { code: 'MalformedXML' });
  await assert.rejects(parseXmlOffLoop(big.slice(0, -3), 'MalformedACLError'), { code: 'MalformedACLError' });
  await assert.rejects(parseXmlOffLoop('<a><b></a>'), { code: 'MalformedXML' });
  await assert.rejects(parseXmlOffLoop(`<a>${'<b/>'.repeat(100_001)}</a>`), { code: 'MalformedXML' });
  await assert.rejects(parseXmlOffLoop(''), { code: 'MalformedXML' });
});

test('parseXmlOffLoop.concurrent documents each get their own answer', async () => {
  const docs = Array.from({ length: 6 }, (_, i) => `<R><I>${i}</I>${'<P>x</P>'.repeat(3000 + i)}</R>`);
  const results = await Promise.all(docs.map((d) => parseXmlOffLoop(d)));
  results.forEach((r, i) => assert.deepEqual(r, parseXml(docs[i]!)));
});
