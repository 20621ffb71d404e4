/**
 * Test triggers understood by the offline provider, written into the prompt:
 * - `[[offline:content_policy]]`: every image of the request is refused by the content policy;
 * - `[[offline:fail-index=N]]`: only the image at 0-based index N is refused (repeatable), so
 *   partial results can be exercised.
 * Markers are removed from the prompt before drawing, so the other images look as they would
 * without them.
 */
export interface PromptMarkers {
  readonly refuseAll: boolean;
  readonly refusedIndexes: ReadonlySet<number>;
  /** The prompt without markers. */
  readonly prompt: string;
}

const MARKER = /\[\[offline:(content_policy|fail-index=(\d+))\]\]/g;

/** Finds the offline test markers in a prompt. */
export function parseMarkers(prompt: string): PromptMarkers {
  let refuseAll = false;
  const refusedIndexes = new Set<number>();
  const matches = [...prompt.matchAll(MARKER)];
  if (matches.length === 0) return { refuseAll, refusedIndexes, prompt };
  for (const match of matches) {
    if (match[2] === undefined) refuseAll = true;
    else refusedIndexes.add(Number(match[2]));
  }
  const cleaned = prompt.replace(MARKER, ' ').replace(/\s+/g, ' ').trim();
  return { refuseAll, refusedIndexes, prompt: cleaned };
}
