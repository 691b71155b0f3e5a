import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerPricesCommands } from '../../exporter/src/cli/prices-command.js';
import type { Attributes } from '../../exporter/src/model/decoded-span.js';
import { defaultNormalizeOptions, normalizeSpan } from '../../exporter/src/normalize/index.js';
import type { PriceBook } from '../../exporter/src/price/index.js';
import { createPriceBook, PriceBookError } from '../../exporter/src/price/index.js';
import { validateOverrides } from '../../exporter/src/price/overrides-file.js';
import { decodedChatSpan } from '../helpers/decoded-chat-span.js';
import { tempDir } from '../helpers/temp-dir.js';
import { pico } from './llm-call-fixture.js';

// Catalog reference (genai-prices 0.1.8): Bedrock Claude 3.5 Haiku $0.80 in; gpt-4o-mini $0.15 in / $0.60 out.
const HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

/** What ingest stores for a span naming `provider` and `model` with 1,000 input tokens: normalize, then rate. */
function ingest(book: PriceBook, provider: string, model: string, extra: Attributes = {}) {
  const result = normalizeSpan(
    decodedChatSpan({ 'gen_ai.system': provider, 'gen_ai.request.model': model, 'gen_ai.usage.input_tokens': 1_000, 'gen_ai.usage.output_tokens': 0, ...extra }),
    defaultNormalizeOptions(),
  );
  if (result.kind !== 'llm') throw new Error(`span normalized as ${result.kind}`);
  return book.rate(result.call);
}

async function cli(args: string[]): Promise<{ out: string; error?: Error }> {
  let out = '';
  const program = new Command().name('agentic-pnl').exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: () => undefined });
  registerPricesCommands(program, { out: (t) => (out += t), err: () => undefined });
  try {
    await program.parseAsync(['node', 'agentic-pnl', ...args]);
    return { out };
  } catch (error) {
    return { out, error: error as Error };
  }
}

const dir = tempDir();
afterAll(() => dir.remove());

describe('an override names its provider the way spans do', () => {
  it('applies provider: aws.bedrock to Bedrock calls at ingest', () => {
    const book = createPriceBook([{ id: 'bedrock-contract', provider: 'aws.bedrock', discount_percent: 50 }]);
    const priced = ingest(book, 'aws.bedrock', HAIKU);
    expect(priced.call.provider).toBe('aws');
    expect(priced.priceId).toBe(`override:bedrock-contract+catalog:aws/regional.${HAIKU}`);
    expect(priced.cost?.total).toBe(pico(1_000, '0.4'));
  });

  it('applies provider: azure_openai to Azure OpenAI calls at ingest, whatever spelling the span uses', () => {
    const book = createPriceBook([{ id: 'azure-contract', provider: 'azure_openai', model: 'gpt-4o-mini', input_mtok: '0.10', output_mtok: '0.40' }]);
    for (const spelling of ['azure_openai', 'azure.ai.openai', 'az.ai.openai']) {
      const priced = ingest(book, spelling, 'gpt-4o-mini');
      expect(priced.call.provider).toBe('azure');
      expect(priced.priceId).toBe('override:azure-contract');
      expect(priced.cost?.total).toBe(pico(1_000, '0.10'));
    }
  });

  it('stores the catalog id as the provider, derives the id from it and sees two spellings as one provider', () => {
    const [xai] = validateOverrides([{ provider: ' XAI ', model: 'grok-4', discount_percent: 10 }]);
    expect(xai).toMatchObject({ provider: 'x-ai', id: 'x-ai/grok-4' });
    expect(() => validateOverrides([
      { id: 'a', provider: 'mistral_ai', model: 'mistral-large-latest', discount_percent: 10 },
      { id: 'b', provider: 'mistral', model: 'mistral-large-latest', discount_percent: 20 },
    ])).toThrow(PriceBookError);
  });

  it('prices show agrees with ingest for any spelling of the provider', async () => {
    const file = join(dir.path, 'azure.yaml');
    writeFileSync(file, "version: 1\noverrides:\n  - id: azure-contract\n    provider: azure_openai\n    model: gpt-4o-mini\n    input_mtok: '0.10'\n    output_mtok: '0.40'\n");
    for (const provider of ['azure', 'azure_openai']) {
      const r = await cli(['prices', 'show', provider, 'gpt-4o-mini', '--prices-file', file]);
      expect(r.error).toBeUndefined();
      expect(r.out).toMatch(/^azure gpt-4o-mini at /);
      expect(r.out).toMatch(/^price id\s+override:azure-contract$/m);
      expect(r.out).toMatch(/^\s+input\s+\$0\.10$/m);
    }
  });
});

describe("an override applies to its own provider's calls, not to calls priced from its list as a fallback", () => {
  // The catalog prices Azure calls from OpenAI's (and Anthropic's) model lists; the contract is still per provider.
  const OPENAI_MINI = { id: 'openai-mini', provider: 'openai', model: 'gpt-4o-mini', discount_percent: 30 };

  it('leaves Azure calls at the catalog price when only OpenAI has a discount', () => {
    const book = createPriceBook([OPENAI_MINI, { id: 'anthropic-all', provider: 'anthropic', discount_percent: 10 }]);
    const azure = ingest(book, 'azure.ai.openai', 'gpt-4o-mini');
    expect(azure.priceId).toBe('catalog:openai/gpt-4o-mini');
    expect(azure.cost?.total).toBe(pico(1_000, '0.15'));
    expect(ingest(book, 'azure.ai.inference', 'claude-sonnet-4-5').priceId).toBe('catalog:anthropic/claude-sonnet-4-5');
    // OpenAI's own calls still get it.
    expect(ingest(book, 'openai', 'gpt-4o-mini').priceId).toBe('override:openai-mini+catalog:openai/gpt-4o-mini');
  });

  it("prices Azure calls with the azure entry even when an OpenAI entry names the model more specifically", () => {
    const book = createPriceBook([OPENAI_MINI, { id: 'azure-all', provider: 'azure', discount_percent: 10 }]);
    const azure = ingest(book, 'azure_openai', 'gpt-4o-mini');
    expect(azure.priceId).toBe('override:azure-all+catalog:openai/gpt-4o-mini');
    expect(azure.cost?.total).toBe((pico(1_000, '0.15') * 9n) / 10n);
    expect(ingest(book, 'openai', 'gpt-4o-mini').priceId).toBe('override:openai-mini+catalog:openai/gpt-4o-mini');
  });

  it("still matches the catalog's own id for a provider the catalog renames", () => {
    // aws-bedrock is not rewritten at ingest; genai-prices knows it as `aws`.
    const book = createPriceBook([{ id: 'aws-all', provider: 'aws', discount_percent: 50 }]);
    expect(ingest(book, 'aws-bedrock', HAIKU).priceId).toBe(`override:aws-all+catalog:aws/regional.${HAIKU}`);
  });
});
