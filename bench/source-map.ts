/**
 * Attributes the bytes of a generated file to the original sources its source map names, to say
 * which packages make a bundle big. Reads the `mappings` field (base64 VLQ, version 3 source maps):
 * each segment starts a run of generated columns that belongs to one source until the next segment.
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** Decodes one segment (comma-separated part of a line) into its signed VLQ fields. */
export function decodeSegment(segment: string): number[] {
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = DIGIT.get(char);
    if (digit === undefined) throw new Error(`invalid base64 VLQ character '${char}' in segment '${segment}'`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    fields.push(value % 2 === 1 ? -Math.floor(value / 2) : value / 2);
    value = 0;
    shift = 0;
  }
  if (shift !== 0) throw new Error(`truncated VLQ segment '${segment}'`);
  return fields;
}

/**
 * Bytes of `generated` per source index. Columns are UTF-16 code units, as the format defines them;
 * a bundle's minified code is ASCII outside string literals, so units and bytes nearly agree.
 * Generated text no segment covers (before a line's first segment) counts under -1.
 */
export function bytesPerSource(generated: string, mappings: string): Map<number, number> {
  const totals = new Map<number, number>();
  const add = (source: number, bytes: number): void => {
    if (bytes > 0) totals.set(source, (totals.get(source) ?? 0) + bytes);
  };
  const lines = generated.split('\n');
  let source = 0;
  mappings.split(';').forEach((lineMappings, lineIndex) => {
    const line = lines[lineIndex] ?? '';
    let column = 0;
    let current = -1;
    let start = 0;
    for (const segment of lineMappings === '' ? [] : lineMappings.split(',')) {
      const fields = decodeSegment(segment);
      column += fields[0] ?? 0;
      add(current, column - start);
      if (fields.length >= 4) {
        source += fields[1] ?? 0;
        current = source;
      } else {
        current = -1;
      }
      start = column;
    }
    add(current, line.length + 1 - start);
  });
  return totals;
}

/** `node_modules/@aws-sdk/client-sns/dist-es/...` -> `@aws-sdk/client-sns`; project files by top folder. */
export function packageOf(sourcePath: string): string {
  const marker = 'node_modules/';
  const at = sourcePath.lastIndexOf(marker);
  if (at === -1) {
    const project = sourcePath.replace(/^(\.\.\/)+/, '');
    return `(project) ${project.split('/').slice(0, 2).join('/')}`;
  }
  const parts = sourcePath.slice(at + marker.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? sourcePath);
}

export interface Contributor {
  readonly name: string;
  readonly bytes: number;
}

/** Bytes per package of a bundle, largest first. */
export function contributorsByPackage(generated: string, map: { sources: readonly string[]; mappings: string }): Contributor[] {
  const byPackage = new Map<string, number>();
  for (const [source, bytes] of bytesPerSource(generated, map.mappings)) {
    const name = source === -1 ? '(unmapped)' : packageOf(map.sources[source] ?? '(unknown)');
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytes);
  }
  return [...byPackage].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
