import type { OptimizeMode } from '../../contract/models.ts';

/**
 * What goodtake appends to the prompt for the modes Seedream has no switch for.
 * Neither model gets the upstream's `fast` optimisation mode: it trades prompt-rewriting quality
 * for speed, which is neither "creative" nor "precise", and 4.5 does not have it, so both models
 * behave alike. The directives avoid words that suggest an aspect ratio, because the model picks
 * the aspect of auto sizes from the prompt.
 */
export const PROMPT_DIRECTIVES: Readonly<Record<Exclude<OptimizeMode, 'standard'>, string>> = {
  creative:
    'Interpret this freely and imaginatively: bold composition, expressive colour and lighting, inventive details beyond the literal description.',
  precise:
    'Follow this description literally and precisely: include every element exactly as specified (counts, colours, positions, any text) and add nothing that was not asked for.',
};

/** The prompt sent upstream for a job's optimise mode. */
export function upstreamPrompt(prompt: string, mode: OptimizeMode): string {
  return mode === 'standard' ? prompt : `${prompt}\n\n${PROMPT_DIRECTIVES[mode]}`;
}
