import { bytesPerSource, contributorsByPackage, decodeSegment, packageOf } from '../../bench/source-map';

describe('decodeSegment', () => {
  test.each([
    ['AAAA', [0, 0, 0, 0]],
    ['CAAC', [1, 0, 0, 1]],
    ['D', [-1]],
    ['gB', [16]],
    ['2HwBAAE', [123, 24, 0, 0, 2]],
  ])('%s decodes to %j', (segment, fields) => {
    expect(decodeSegment(segment)).toEqual(fields);
  });

  test('fails if a character is not base64', () => {
    expect(() => decodeSegment('A!')).toThrow(/invalid base64 VLQ character '!'/);
  });
});

describe('bytesPerSource', () => {
  test('gives each run of generated columns to the source of the segment that starts it', () => {
    // GIVEN one line: columns 0-3 from source 0, columns 4-9 from source 1, then a second line from source 1
    const generated = 'aaaabbbbbb\ncc';
    const mappings = 'AAAA,ICAA;AAAA';
    // WHEN
    const totals = bytesPerSource(generated, mappings);
    // THEN (the newline counts with the line it ends)
    expect(Object.fromEntries(totals)).toEqual({ 0: 4, 1: 7 + 3 });
  });

  test('counts generated text without a source as unmapped (-1)', () => {
    expect(Object.fromEntries(bytesPerSource('xxyy', 'E,CAAA'))).toEqual({ '-1': 3, 0: 2 });
  });
});

describe('packageOf', () => {
  test.each([
    ['../../node_modules/zod/v4/core/schemas.js', 'zod'],
    ['../node_modules/@aws-sdk/client-sns/dist-es/index.js', '@aws-sdk/client-sns'],
    ['../node_modules/a/node_modules/@smithy/core/dist-es/x.js', '@smithy/core'],
    ['../../lambda/stream/core.ts', '(project) lambda/stream'],
  ])('%s belongs to %s', (source, name) => {
    expect(packageOf(source)).toBe(name);
  });
});

test('contributorsByPackage adds up the files of a package, largest first', () => {
  const map = { sources: ['node_modules/zod/a.js', 'node_modules/zod/b.js', 'lambda/x/core.ts'], mappings: 'AAAA,ECAA,ECAA' };
  expect(contributorsByPackage('aabbcccccc', map)).toEqual([
    { name: '(project) lambda/x', bytes: 7 },
    { name: 'zod', bytes: 4 },
  ]);
});
