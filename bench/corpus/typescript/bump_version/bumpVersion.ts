export type Part = 'major' | 'minor' | 'patch';

/**
 * Increments one part of a semantic version; lower parts reset to 0 and a pre-release tag is dropped.
 * @example
 * bumpVersion('1.2.3', 'patch') // => '1.2.4'
 * bumpVersion('1.2.3', 'minor') // => '1.3.0'
 * bumpVersion('1.2.3', 'major') // => '2.0.0'
 * bumpVersion('0.9.9-beta.2', 'patch') // => '0.9.10'
 * bumpVersion('1.2', 'patch') // => throws TypeError
 */
export function bumpVersion(version: string, part: Part): string {
  const match = /^(\d+)\.(\d+)\.(\d+)(?:-[\w.]+)?$/.exec(version);
  if (!match) throw new TypeError(`not a semantic version: ${version}`);
  let [major, minor, patch] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (part === 'major') {
    major++;
    minor = 0;
    patch = 0;
  } else if (part === 'minor') {
    minor++;
    patch = 0;
  } else {
    patch++;
  }
  return `${major}.${minor}.${patch}`;
}
