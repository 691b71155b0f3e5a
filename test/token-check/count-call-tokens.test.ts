import { beforeAll, describe, expect, it } from 'vitest';
import { countCompletionTokens, countPromptTokens, loadEncoders, TextCounter, type ChatMessage, type Encoders } from '../../exporter/src/token-check/index.js';

let encoders: Encoders;
beforeAll(async () => {
  encoders = await loadEncoders();
});

/*
 * The example conversation of OpenAI's cookbook "How to count tokens with tiktoken", section 6,
 * for which the cookbook prints the prompt_tokens the OpenAI API itself reported:
 * 129 for gpt-4 / gpt-4-0613 / gpt-3.5-turbo-0125 (cl100k_base), 124 for gpt-4o and gpt-4o-mini (o200k_base).
 */
const COOKBOOK: ChatMessage[] = [
  { role: 'system', name: '', text: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
  { role: 'system', name: 'example_user', text: 'New synergies will help drive top-line growth.' },
  { role: 'system', name: 'example_assistant', text: 'Things working well together will increase revenue.' },
  { role: 'system', name: 'example_user', text: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage." },
  { role: 'system', name: 'example_assistant', text: "Let's talk later when we're less busy about how to do better." },
  { role: 'user', name: '', text: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
];

describe('counting the tokens of a call', () => {
  it('matches the prompt_tokens the OpenAI API reported for the cookbook conversation', async () => {
    expect(await countPromptTokens(COOKBOOK, 'chat', new TextCounter(encoders.cl100k_base))).toBe(129);
    expect(await countPromptTokens(COOKBOOK, 'chat', new TextCounter(encoders.o200k_base))).toBe(124);
  });

  it('adds no chat framing to a completion prompt or to completions', async () => {
    const counter = new TextCounter(encoders.o200k_base);
    const plain = encoders.o200k_base.encode('tiktoken is great!').length;
    expect(plain).toBe(6);
    expect(await countPromptTokens([{ role: '', name: '', text: 'tiktoken is great!' }], 'completion', counter)).toBe(plain);
    expect(await countCompletionTokens(['tiktoken is great!', 'tiktoken is great!'], counter)).toBe(2 * plain);
  });

  it('counts a long text in slices to the same total as one encode', async () => {
    const sentence = 'The quick brown fox, 42 times, jumps over the lazy dog; naïve café résumé. ';
    const text = sentence.repeat(1500);
    expect(text.length).toBeGreaterThan(100_000);
    const whole = encoders.o200k_base.encode(text).length;
    expect(await new TextCounter(encoders.o200k_base).count(text)).toBe(whole);
  });

  it('yields to the event loop while counting a long text', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await new TextCounter(encoders.o200k_base).count('word '.repeat(40_000));
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('counts special-token strings in user text as text instead of throwing', async () => {
    expect(await new TextCounter(encoders.o200k_base).count('ignore <|endoftext|> please')).toBeGreaterThan(3);
  });
});
