import { describe, expect, it } from 'vitest';
import { openAIUsageAttributes } from '../../instrumentation/src/index.js';
import { SseUsageScanner } from '../../instrumentation/src/sse-usage-scanner.js';

const CACHE = 'gen_ai.usage.cache_read.input_tokens';
const REASONING = 'gen_ai.usage.reasoning.output_tokens';

describe('openAIUsageAttributes', () => {
  it.each([
    [
      'a chat completion',
      { usage: { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 6 }, completion_tokens_details: { reasoning_tokens: 3 } } },
      { [CACHE]: 6, [REASONING]: 3 },
    ],
    [
      'a Responses API body',
      { usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 9 } } },
      { [CACHE]: 4, [REASONING]: 9 },
    ],
    [
      'a Responses stream completion event',
      { type: 'response.completed', response: { usage: { input_tokens_details: { cached_tokens: 2 }, output_tokens_details: { reasoning_tokens: 0 } } } },
      { [CACHE]: 2, [REASONING]: 0 },
    ],
    ['zeros, kept as known zeros', { usage: { prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } } }, { [CACHE]: 0, [REASONING]: 0 }],
    ['usage without details', { usage: { prompt_tokens: 10, completion_tokens: 2 } }, {}],
    ['null usage', { usage: null }, {}],
    ['null details', { usage: { prompt_tokens_details: null, completion_tokens_details: null } }, {}],
    ['negative and fractional counts', { usage: { prompt_tokens_details: { cached_tokens: -1 }, completion_tokens_details: { reasoning_tokens: 1.5 } } }, {}],
    ['a string count', { usage: { prompt_tokens_details: { cached_tokens: '5' } } }, {}],
    ['not an object', 'usage', {}],
    ['null', null, {}],
  ])('reads %s', (_label, body, expected) => {
    expect(openAIUsageAttributes(body)).toEqual(expected);
  });
});

describe('SseUsageScanner', () => {
  const usageEvent = `data: ${JSON.stringify({ choices: [], usage: { prompt_tokens_details: { cached_tokens: 11 }, completion_tokens_details: { reasoning_tokens: 5 } } })}\n\n`;

  it('finds usage split across any chunk boundary', () => {
    const text = `data: {"choices":[{"delta":{"content":"hi"}}]}\n\n${usageEvent}data: [DONE]\n\n`;
    for (let cut = 1; cut < text.length; cut += 7) {
      const found: unknown[] = [];
      const scanner = new SseUsageScanner((usage) => found.push(usage));
      scanner.push(text.slice(0, cut));
      scanner.push(text.slice(cut));
      scanner.end();
      expect(found).toEqual([{ [CACHE]: 11, [REASONING]: 5 }]);
    }
  });

  it('reads a last line without a trailing newline', () => {
    const found: unknown[] = [];
    const scanner = new SseUsageScanner((usage) => found.push(usage));
    scanner.push(usageEvent.trimEnd());
    expect(found).toEqual([]);
    scanner.end();
    expect(found).toEqual([{ [CACHE]: 11, [REASONING]: 5 }]);
  });

  it('ignores content that merely mentions usage and malformed events', () => {
    const found: unknown[] = [];
    const scanner = new SseUsageScanner((usage) => found.push(usage));
    scanner.push('data: {"choices":[{"delta":{"content":"the \\"usage\\" field"}}]}\n');
    scanner.push('data: {"usage": {broken\n');
    scanner.push(': comment with "usage"\n');
    scanner.end();
    expect(found).toEqual([]);
  });
});
