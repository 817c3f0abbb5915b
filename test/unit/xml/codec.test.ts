import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildXml, parseXml } from '../../../src/xml/codec.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

test('buildXml: namespace, nesting, repeated elements, skipped undefined, text root', () => {
  assert.equal(
    buildXml('R', { A: 'x', B: undefined, C: [{ K: 1 }, { K: 2 }], D: { E: true }, F: '' }),
    `${DECL}<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>x</A><C><K>1</K></C><C><K>2</K></C><D><E>true</E></D><F></F></R>`,
  );
  assert.equal(buildXml('LocationConstraint', { '#text': 'eu-west-1' }), `${DECL}<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">eu-west-1</LocationConstraint>`);
  assert.equal(buildXml('Error', { Code: 'X' }, null), `${DECL}<Error><Code>X</Code></Error>`);
});

test('buildXml: sequences interleave element names in order', () => {
  const body = { Name: 'b', V: { '#sequence': [['Version', { Key: 'a' }], ['DeleteMarker', { Key: 'a' }], ['Version', { Key: 'b' }]] as const }, Tail: 't' };
  assert.equal(
    buildXml('L', body, null),
    `${DECL}<L><Name>b</Name><Version><Key>a</Key></Version><DeleteMarker><Key>a</Key></DeleteMarker><Version><Key>b</Key></Version><Tail>t</Tail></L>`,
  );
});

test('buildXml: escapes markup and writes control characters as character references', () => {
  assert.equal(buildXml('K', { '#text': `a&b<c>"d'\r\u0001\te\n` }, null), `${DECL}<K>a&amp;b&lt;c&gt;&quot;d&apos;&#13;&#1;\te\n</K>`);
});

test('parseXml: entities are not expanded and DOCTYPEs are refused', () => {
  assert.throws(() => parseXml('<!DOCTYPE x [<!ENTITY e "boom">]><a>&e;</a>'), { code: 'MalformedXML' });
  assert.throws(() => parseXml('<a><b></a>'), { code: 'MalformedXML' });
  assert.deepEqual(parseXml('<a><b> k &amp; v </b></a>'), { a: { b: ' k & v ' } });
});

test('parseXml: numeric character references decode (S3 writes \\r in keys as &#13;)', () => {
  assert.deepEqual(parseXml('<a><b>x&#13;y&#x41;</b></a>'), { a: { b: 'x\ryA' } });
});

test('parseXml: only XML\'s five entities and references to XML characters (no HTML entities)', () => {
  assert.deepEqual(parseXml('<a><b>&lt;&gt;&amp;&quot;&apos;&#9;&#xE9;</b></a>'), { a: { b: '<>&"\'\t\u00e9' } });
  for (const bad of ['&nbsp;', '&copy;', '&eacute;', '&#0;', '&#x1;', '&#xFFFE;', '&#1114112;', '&amp', '& ', '&;']) {
    assert.throws(() => parseXml(`<a><b>x${bad}y</b></a>`), { code: 'MalformedXML' }, bad);
  }
});
