/** "did you mean …": the closest of known names to one that is not known. */

/**
 * The candidate a typo most likely meant: equal ignoring case, `_` and `-`, or within a few edits
 * (more for longer words: a qualified component name is long). Null when nothing is close.
 */
export function closestName(key: string, candidates: readonly string[]): string | null {
  const fold = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: string | null = null;
  // Short keys are a few edits from anything: scale the allowance with the length.
  let bestDistance = Math.max(Math.min(2, Math.floor(key.length / 3)), Math.floor(key.length / 10)) + 1;
  for (const candidate of candidates) {
    const distance = fold(candidate) === fold(key) ? 0 : editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      // Swapped neighbours (`nmae`) are one typo, not two.
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) current[j] = Math.min(current[j], beforePrevious[j - 2] + 1);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length];
}
