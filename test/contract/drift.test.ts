import { describe, expect, it } from 'vitest';
import { HELP } from '../../packages/cli/src/help.ts';
import {
  ERROR_STATUS,
  MODELS,
  DEFAULT_MODEL as SDK_DEFAULT_MODEL,
  SIZES,
} from '../../packages/sdk/src/index.ts';
import { seedCatalog } from '../../src/catalog/build.ts';
import { STATUS_OF } from '../../src/contract/error-codes.ts';
import { DEFAULT_MODEL, MODEL_IDS, OPTIMIZE_MODES } from '../../src/contract/models.ts';
import { EXACT_SIZES, validSizes } from '../../src/contract/sizes.ts';
import { OPENAI_ERRORS } from '../../src/http/routes/openai/errors.ts';

// The server defines models, sizes and error codes once (src/contract/); the SDK and the CLI
// are published on their own and carry copies. These checks fail when a copy drifts.

describe('one definition of models, sizes and error codes', () => {
  it('the SDK lists the seed models, in order, with the same default', () => {
    expect([...MODELS]).toEqual([...MODEL_IDS]);
    expect(SDK_DEFAULT_MODEL).toBe(DEFAULT_MODEL);
  });

  it("the SDK's size table is the server's, model by model", () => {
    const catalog = seedCatalog();
    for (const id of MODEL_IDS) {
      expect([...SIZES[id]], id).toEqual([...validSizes(catalog.find(id)!)]);
    }
  });

  it("the SDK's code-to-status table is the server's", () => {
    expect(ERROR_STATUS).toEqual(STATUS_OF);
  });

  it('the OpenAI error table covers every code', () => {
    expect(Object.keys(OPENAI_ERRORS).sort()).toEqual(Object.keys(STATUS_OF).sort());
  });

  it("the CLI's help names every model, exact size and prompt mode", () => {
    for (const id of MODEL_IDS) {
      expect(HELP.generate, id).toContain(id);
      for (const size of EXACT_SIZES[id]) expect(HELP.generate, `${id} ${size}`).toContain(size);
    }
    for (const mode of OPTIMIZE_MODES) expect(HELP.generate, mode).toContain(mode);
  });
});
