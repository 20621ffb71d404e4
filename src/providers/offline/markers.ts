/**
 * Test triggers understood by the offline provider, written into the prompt:
 * - `[[offline:content_policy]]`: every image of the request is refused by the content policy;
 * - `[[offline:fail-index=N]]`: only the image at 0-based index N is refused (repeatable), so
 *   partial results can be exercised.
 * - `[[offline:delay-index=N:MS]]`: the image at index N waits MS milliseconds more (repeatable),
 *   so crash tests can catch a generation with some images stored and others not.
 * Markers are removed from the prompt before drawing, so the other images look as they would
 * without them. They are honoured only when the provider is created with `testMarkers` (the
 * GOODTAKE_OFFLINE_TEST_MARKERS setting); otherwise they are ordinary prompt text.
 */
export interface PromptMarkers {
  readonly refuseAll: boolean;
  readonly refusedIndexes: ReadonlySet<number>;
  /** Extra milliseconds of latency per image index. */
  readonly extraDelay: ReadonlyMap<number, number>;
  /** The prompt without markers. */
  readonly prompt: string;
}

const MARKER = /\[\[offline:(content_policy|fail-index=(\d+)|delay-index=(\d+):(\d+))\]\]/g;

/** Finds the offline test markers in a prompt. */
export function parseMarkers(prompt: string): PromptMarkers {
  let refuseAll = false;
  const refusedIndexes = new Set<number>();
  const extraDelay = new Map<number, number>();
  const matches = [...prompt.matchAll(MARKER)];
  if (matches.length === 0) return { refuseAll, refusedIndexes, extraDelay, prompt };
  for (const match of matches) {
    if (match[2] !== undefined) refusedIndexes.add(Number(match[2]));
    else if (match[3] !== undefined) extraDelay.set(Number(match[3]), Number(match[4]));
    else refuseAll = true;
  }
  const cleaned = prompt.replace(MARKER, ' ').replace(/\s+/g, ' ').trim();
  return { refuseAll, refusedIndexes, extraDelay, prompt: cleaned };
}

/** The prompt as it is, markers and all: what a server not started for tests uses. */
export function noMarkers(prompt: string): PromptMarkers {
  return { refuseAll: false, refusedIndexes: new Set(), extraDelay: new Map(), prompt };
}
