/**
 * Pattern (wildcards and policy variables) and the IP / CIDR parsing behind IpAddress.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NO_VARIABLES, Pattern, type VariableLookup } from '../../../../src/access/policy/pattern.js';
import { cidrContains, parseCidr, parseIp } from '../../../../src/access/policy/ip.js';

const glob = (pattern: string, text: string) => new Pattern(pattern, { wildcards: true, variables: false }).matches(text, NO_VARIABLES);

test('Pattern.wildcards: * any run (empty included), ? one character, backtracking', () => {
  const cases: [string, string, boolean][] = [
    ['*', '', true], ['*', 'anything/at:all', true], ['a*', 'a', true], ['a*', 'b', false],
    ['*.jpg', 'x/y.jpg', true], ['*.jpg', 'x/y.jpeg', false], ['a*b*c', 'aXbYbZc', true], ['a*b*c', 'aXbYcZ', false],
    ['a?c', 'abc', true], ['a?c', 'ac', false], ['a?c', 'abbc', false], ['??', 'ab', true], ['*?', '', false],
    ['*a*a*a', 'aaaa', true], ['*a*a*a', 'aab', false], ['exact', 'exact', true], ['exact', 'Exact', false],
    ['a**b', 'ab', true], ['*/test/*', '1///test///object.jpg', true],
  ];
  for (const [pattern, text, expected] of cases) assert.equal(glob(pattern, text), expected, `${pattern} ~ ${text}`);
});

test('Pattern.without wildcards * and ? are plain characters', () => {
  const equals = new Pattern('a*?', { wildcards: false, variables: false });
  assert.equal(equals.matches('a*?', NO_VARIABLES), true);
  assert.equal(equals.matches('abc', NO_VARIABLES), false);
  assert.equal(equals.isFixed, true);
  assert.equal(new Pattern('a*', { wildcards: true, variables: false }).isFixed, false);
});

test('Pattern.variables: values are literal; missing values match nothing; defaults; escapes; unknown syntax is text', () => {
  const lookup = (values: Record<string, string>): VariableLookup => ({ variable: (key) => (Object.hasOwn(values, key) ? values[key] : undefined) });
  const home = new Pattern('home/${aws:username}/*', { wildcards: true, variables: true });
  assert.equal(home.hasVariables, true);
  assert.equal(home.isFixed, false);
  assert.equal(home.matches('home/alice/x', lookup({ 'aws:username': 'alice' })), true);
  assert.equal(home.matches('home/bob/x', lookup({ 'aws:username': 'alice' })), false);
  assert.equal(home.matches('home/a/x', lookup({ 'aws:username': '?' })), false);
  assert.equal(home.matches('home//x', lookup({})), false);
  assert.equal(new Pattern('${AWS:UserName}', { wildcards: false, variables: true }).resolve(lookup({ 'aws:username': 'alice' })), 'alice');
  assert.equal(new Pattern("${s3:prefix, 'none'}", { wildcards: false, variables: true }).resolve(lookup({})), 'none');
  assert.equal(new Pattern('${*}${?}${$}', { wildcards: true, variables: true }).matches('*?$', NO_VARIABLES), true);
  assert.equal(new Pattern('${*}', { wildcards: true, variables: true }).matches('x', NO_VARIABLES), false);
  assert.equal(new Pattern('${not a variable}/${', { wildcards: false, variables: true }).resolve(NO_VARIABLES), '${not a variable}/${');
  assert.equal(new Pattern('${aws:username}', { wildcards: false, variables: false }).resolve(NO_VARIABLES), '${aws:username}');
  // Names of Object.prototype are variables like any other, without a value.
  assert.equal(new Pattern('${constructor}', { wildcards: false, variables: true }).resolve(lookup({})), undefined);
});

test('parseIp.IPv4, IPv6 forms, IPv4-mapped; refuses what is not an address', () => {
  const hex = (text: string) => Buffer.from(parseIp(text)!).toString('hex');
  assert.equal(hex('10.1.2.3'), '00000000000000000000ffff0a010203');
  assert.equal(hex('::ffff:10.1.2.3'), '00000000000000000000ffff0a010203');
  assert.equal(hex('::'), '0'.repeat(32));
  assert.equal(hex('::1'), '0'.repeat(31) + '1');
  assert.equal(hex('2001:db8::8:800:200c:417a'), '20010db80000000000080800200c417a');
  assert.equal(hex('1:2:3:4:5:6:7:8'), '00010002000300040005000600070008');
  assert.equal(hex('fe80::1%eth0'), 'fe80' + '0'.repeat(27) + '1');
  for (const bad of ['', '1.2.3', '256.1.1.1', '1::2::3', 'example.com', '10.0.0.0/8']) assert.equal(parseIp(bad), undefined, bad);
});

test('parseCidr.prefixes and containment', () => {
  const inside = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);
  assert.equal(inside('10.0.0.0/8', '10.255.255.255'), true);
  assert.equal(inside('10.0.0.0/8', '11.0.0.0'), false);
  assert.equal(inside('172.16.0.0/12', '172.31.1.1'), true);
  assert.equal(inside('172.16.0.0/12', '172.32.0.0'), false);
  assert.equal(inside('0.0.0.0/0', '::ffff:1.2.3.4'), true);
  assert.equal(inside('0.0.0.0/0', '2001:db8::1'), false);
  assert.equal(inside('::/0', '2001:db8::1'), true);
  assert.equal(inside('2001:db8::/33', '2001:db8:7fff::1'), true);
  assert.equal(inside('2001:db8::/33', '2001:db8:8000::1'), false);
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.equal(parseCidr('2001:db8::/129'), undefined);
  assert.equal(parseCidr('10.0.0.0/x'), undefined);
  assert.deepEqual({ ...parseCidr('10.0.0.0/8'), bytes: undefined }, { bytes: undefined, prefix: 104, ipv4: true, writtenPrefix: 8 });
});
