import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import { canonicalServiceTier } from '../../exporter/src/model/service-tier.js';
import { defaultNormalizeOptions, normalizeSpan } from '../../exporter/src/normalize/index.js';
import { decodedChatSpan } from '../helpers/decoded-chat-span.js';

const chat = decodedChatSpan;

const options = defaultNormalizeOptions();

function tierOf(attributes: Attributes): string {
  const result = normalizeSpan(chat(attributes), options);
  if (result.kind !== 'llm') throw new Error(`expected llm, got ${result.kind}`);
  return result.call.serviceTier;
}

describe('service tier of a call', () => {
  it.each<[string, Attributes, string]>([
    ['absent', {}, ''],
    ['OTel GenAI response tier', { 'openai.response.service_tier': 'flex' }, 'flex'],
    ['deprecated gen_ai.openai response tier', { 'gen_ai.openai.response.service_tier': 'priority' }, 'priority'],
    ['OTel GenAI request tier when no response tier', { 'openai.request.service_tier': 'flex' }, 'flex'],
    ['deprecated request tier', { 'gen_ai.openai.request.service_tier': 'default' }, 'default'],
    ['the served tier over the requested one', { 'openai.request.service_tier': 'priority', 'openai.response.service_tier': 'default' }, 'default'],
    ['a requested auto says nothing about what ran', { 'openai.request.service_tier': 'auto' }, ''],
    ['auto requested, the response names the tier', { 'openai.request.service_tier': 'auto', 'openai.response.service_tier': 'default' }, 'default'],
    ['explicit pnl.service_tier (Anthropic batch results) wins', { 'pnl.service_tier': 'batch', 'openai.response.service_tier': 'default' }, 'batch'],
    ["Anthropic's standard is the default tier", { 'pnl.service_tier': 'standard' }, 'default'],
    ['case and spaces are folded', { 'openai.response.service_tier': ' Flex ' }, 'flex'],
    ['another provider tier is kept', { 'openai.response.service_tier': 'scale' }, 'scale'],
    ['a value that is no tier name is dropped', { 'pnl.service_tier': 'batch; DROP TABLE' }, ''],
  ])('%s', (_label, attributes, expected) => {
    expect(tierOf(attributes)).toBe(expected);
  });

  it('canonical names stay short and bounded', () => {
    expect(canonicalServiceTier('x'.repeat(33))).toBe('');
    expect(canonicalServiceTier('x'.repeat(32))).toBe('x'.repeat(32));
    expect(canonicalServiceTier('')).toBe('');
  });
});
