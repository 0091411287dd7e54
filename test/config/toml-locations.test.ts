import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatKeyPath, locateKeys, type KeySegment } from '../../core/config/toml-locations.ts';

/** `lines[i]` holds the text of line i + 1. */
function at(lines: string[]): (path: KeySegment[]) => number | null {
  const locations = locateKeys(lines.join('\n'));
  return (path) => locations.lineOf(path);
}

describe('formatKeyPath', () => {
  it('joins keys with dots, indexes with brackets, and quotes keys that are not bare', () => {
    expect(formatKeyPath(['transport', 'https', 'clientAuth'])).toBe('transport.https.clientAuth');
    expect(formatKeyPath(['event_listener', 1, 'order'])).toBe('event_listener[1].order');
    expect(formatKeyPath(['oauth', 'grant_type', 'urn:x:y', 'enable'])).toBe('oauth.grant_type."urn:x:y".enable');
  });
});

describe('locateKeys', () => {
  it('tables, keys, and top-level keys', () => {
    const lineOf = at(['title = "x"', '', '[transport.https]', 'clientAuth = "want"', '  port=9443 # comment']);
    expect(lineOf(['title'])).toBe(1);
    expect(lineOf(['transport', 'https'])).toBe(3);
    expect(lineOf(['transport', 'https', 'clientAuth'])).toBe(4);
    expect(lineOf(['transport', 'https', 'port'])).toBe(5);
  });

  it('counts array-of-tables entries, and sub-tables attach to the latest entry', () => {
    const lineOf = at([
      '[[event_listener]]', // 1
      'name = "a"',
      '[event_listener.properties]', // 3
      'x = 1',
      '[[event_listener]]', // 5
      'name = "b"',
      '[[event_listener.hooks]]', // 7
      'id = 1',
      '[[event_listener.hooks]]', // 9
      'id = 2',
    ]);
    expect(lineOf(['event_listener', 0, 'name'])).toBe(2);
    expect(lineOf(['event_listener', 0, 'properties', 'x'])).toBe(4);
    expect(lineOf(['event_listener', 1])).toBe(5);
    expect(lineOf(['event_listener', 1, 'name'])).toBe(6);
    expect(lineOf(['event_listener', 1, 'hooks', 0, 'id'])).toBe(8);
    expect(lineOf(['event_listener', 1, 'hooks', 1, 'id'])).toBe(10);
  });

  it('quoted and dotted keys', () => {
    const lineOf = at([
      '[oauth.grant_type."urn:ietf:params:oauth:grant-type:device_code"]',
      'grant_handler = "h"',
      "[ 'a b' . c ]",
      'd.e . "f.g" = 1',
      '"esc\\u0041ped" = 2',
    ]);
    expect(lineOf(['oauth', 'grant_type', 'urn:ietf:params:oauth:grant-type:device_code', 'grant_handler'])).toBe(2);
    expect(lineOf(['a b', 'c', 'd', 'e', 'f.g'])).toBe(4);
    expect(lineOf(['a b', 'c', 'd'])).toBe(4);
    expect(lineOf(['a b', 'c', 'escAped'])).toBe(5);
  });

  it('inline tables and arrays, on one line or several', () => {
    const lineOf = at([
      'props = { a = 1, b = { c = "}" }, d = [1, 2] }', // 1
      'list = [', // 2
      '  "x",', // 3
      '  { k = "v" },', // 4
      ']',
      'after = true', // 6
    ]);
    expect(lineOf(['props', 'b', 'c'])).toBe(1);
    expect(lineOf(['props', 'd', 1])).toBe(1);
    expect(lineOf(['list', 0])).toBe(3);
    expect(lineOf(['list', 1, 'k'])).toBe(4);
    expect(lineOf(['after'])).toBe(6);
  });

  it('never mistakes the inside of a string for syntax', () => {
    const lineOf = at([
      'a = """', // 1
      '[not.a.table]',
      'b = "no"',
      '"""',
      "c = '''", // 5
      '[[nor.this]]',
      "'''",
      'd = "[x] = #"', // 8
      'e = 1', // 9
    ]);
    expect(lineOf(['not', 'a', 'table'])).toBeNull();
    expect(lineOf(['b'])).toBeNull();
    expect(lineOf(['nor'])).toBeNull();
    expect(lineOf(['c'])).toBe(5);
    expect(lineOf(['d'])).toBe(8);
    expect(lineOf(['e'])).toBe(9);
  });

  it('falls back to the nearest located ancestor, and to null when there is none', () => {
    const lineOf = at(['[a]', 'x = 1', '[[b]]', 'y = 2']);
    expect(lineOf(['a', 'missing'])).toBe(1);
    expect(lineOf(['b', 0, 'missing'])).toBe(3);
    expect(lineOf(['nowhere', 'at', 'all'])).toBeNull();
  });

  it('counts CRLF line ends', () => {
    const lineOf = at(['[a]\r', 'x = 1\r', 'y = 2\r']);
    expect(lineOf(['a', 'y'])).toBe(3);
  });

  it('never throws nor hangs, whatever the text', () => {
    const tomlish = fc.stringMatching(/^[\[\]{}"'=.,#a-z0-9 \n\\]*$/);
    fc.assert(
      fc.property(fc.oneof(fc.string(), tomlish), (text) => {
        locateKeys(text).lineOf(['a', 0, 'b']);
      }),
      { numRuns: 2000 },
    );
  });
});
