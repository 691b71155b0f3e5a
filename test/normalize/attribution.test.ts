import { describe, expect, it } from 'vitest';
import type { Attributes, DecodedSpan } from '../../exporter/src/model/decoded-span.js';
import type { Attribution, LlmCall, NormalizedSpan } from '../../exporter/src/model/llm-call.js';
import { defaultNormalizeOptions, normalizeSpan, type NormalizeOptions } from '../../exporter/src/normalize/index.js';
import { decodedChatSpan } from '../helpers/decoded-chat-span.js';

function chat(attributes: Attributes, resource: Attributes = { 'service.name': 'svc' }): DecodedSpan {
  return decodedChatSpan(attributes, { resource });
}

function call(result: NormalizedSpan): LlmCall {
  if (result.kind !== 'llm') throw new Error(`expected llm, got ${JSON.stringify(result)}`);
  return result.call;
}

function attribution(span: DecodedSpan, options: NormalizeOptions = defaultNormalizeOptions()): Attribution {
  const c = call(normalizeSpan(span, options));
  return {
    customerId: c.customerId,
    customerTier: c.customerTier,
    organizationId: c.organizationId,
    productId: c.productId,
    featureId: c.featureId,
    environment: c.environment,
    taskType: c.taskType,
    sessionId: c.sessionId,
    userId: c.userId,
    runId: c.runId,
    attempt: c.attempt,
    attemptReason: c.attemptReason,
  };
}

const EMPTY: Attribution = {
  customerId: '',
  customerTier: '',
  organizationId: '',
  productId: '',
  featureId: '',
  environment: '',
  taskType: '',
  sessionId: '',
  userId: '',
  runId: '',
  attempt: 0,
  attemptReason: '',
};

describe('attribution', () => {
  it('reads every pnl.* key', () => {
    const span = chat({
      'pnl.customer.id': 'cust_1',
      'pnl.customer.tier': 'enterprise',
      'pnl.organization.id': 'org_1',
      'pnl.product.id': 'helpdesk',
      'pnl.feature.id': 'summarize',
      'pnl.environment': 'staging',
      'pnl.task.type': 'summarization',
      'pnl.session.id': 'sess_1',
      'pnl.user.id': 'u_hash',
      'pnl.run.id': 'run_1',
      'pnl.attempt': 2,
      'pnl.attempt.reason': 'escalation',
    });
    expect(attribution(span)).toEqual({
      customerId: 'cust_1',
      customerTier: 'enterprise',
      organizationId: 'org_1',
      productId: 'helpdesk',
      featureId: 'summarize',
      environment: 'staging',
      taskType: 'summarization',
      sessionId: 'sess_1',
      userId: 'u_hash',
      runId: 'run_1',
      attempt: 2,
      attemptReason: 'escalation',
    });
  });

  it('reads OpenLLMetry association properties', () => {
    const span = chat({
      'traceloop.association.properties.customer_id': 'cust_tl',
      'traceloop.association.properties.user_id': 'u_tl',
      'traceloop.association.properties.session_id': 's_tl',
    });
    expect(attribution(span)).toEqual({ ...EMPTY, customerId: 'cust_tl', userId: 'u_tl', sessionId: 's_tl' });
  });

  it('reads AI SDK telemetry metadata', () => {
    const span = chat({
      'ai.telemetry.metadata.customerId': 'cust_ai',
      'ai.telemetry.metadata.featureId': 'f_ai',
      'ai.telemetry.metadata.userId': 'u_ai',
      'ai.telemetry.metadata.sessionId': 's_ai',
    });
    expect(attribution(span)).toEqual({ ...EMPTY, customerId: 'cust_ai', featureId: 'f_ai', userId: 'u_ai', sessionId: 's_ai' });
  });

  it('reads Langfuse trace metadata, user and session', () => {
    const span = chat({
      'langfuse.trace.metadata.customer_id': 'cust_lf',
      'langfuse.user.id': 'u_lf',
      'langfuse.session.id': 's_lf',
      'langfuse.environment': 'prod-eu',
    });
    expect(attribution(span)).toEqual({ ...EMPTY, customerId: 'cust_lf', userId: 'u_lf', sessionId: 's_lf', environment: 'prod-eu' });
  });

  it('reads the standard user and session keys', () => {
    expect(attribution(chat({ 'user.id': 'u1', 'session.id': 's1' }))).toMatchObject({ userId: 'u1', sessionId: 's1' });
    expect(attribution(chat({ 'enduser.id': 'u2', 'gen_ai.conversation.id': 'conv_1' }))).toMatchObject({ userId: 'u2', sessionId: 'conv_1' });
  });

  it('prefers our key over an alias, whatever order the span lists them in', () => {
    const span = chat({ 'traceloop.association.properties.customer_id': 'alias', 'pnl.customer.id': 'ours', 'session.id': 's_std', 'pnl.session.id': 's_ours' });
    expect(attribution(span)).toMatchObject({ customerId: 'ours', sessionId: 's_ours' });
  });

  it('skips an empty value and takes the next alias', () => {
    expect(attribution(chat({ 'pnl.customer.id': '', 'ai.telemetry.metadata.customerId': 'cust_ai' })).customerId).toBe('cust_ai');
  });

  it('stringifies numeric ids', () => {
    expect(attribution(chat({ 'pnl.customer.id': 4711 })).customerId).toBe('4711');
  });

  it('falls back to resource attributes, and the span wins over the resource', () => {
    const resource = { 'service.name': 'svc', 'deployment.environment.name': 'production', 'pnl.customer.id': 'cust_res', 'pnl.product.id': 'p_res' };
    expect(attribution(chat({ 'pnl.customer.id': 'cust_span' }, resource))).toEqual({
      ...EMPTY,
      customerId: 'cust_span',
      productId: 'p_res',
      environment: 'production',
    });
  });

  it('reads the older deployment.environment resource key', () => {
    expect(attribution(chat({}, { 'deployment.environment': 'qa' })).environment).toBe('qa');
  });

  it('does not reuse one resource attribution for another resource', () => {
    const options = defaultNormalizeOptions();
    expect(attribution(chat({}, { 'pnl.customer.id': 'a' }), options).customerId).toBe('a');
    expect(attribution(chat({}, { 'pnl.customer.id': 'b' }), options).customerId).toBe('b');
  });

  it('reads extra aliases configured the way the service configuration adds them', () => {
    const options = defaultNormalizeOptions();
    options.aliases['pnl.customer.id'] = [...(options.aliases['pnl.customer.id'] ?? []), 'tenant.id'];
    expect(attribution(chat({ 'tenant.id': 't_9' }), options).customerId).toBe('t_9');
    expect(attribution(chat({ 'tenant.id': 't_9' })).customerId).toBe('');
  });

  it.each([
    ['0', 0],
    ['3', 3],
    [1, 1],
    [-1, 0],
    [1.5, 0],
    ['two', 0],
  ])('reads pnl.attempt %j as %d', (value, attempt) => {
    expect(attribution(chat({ 'pnl.attempt': value })).attempt).toBe(attempt);
  });

  it.each(['retry', 'escalation', 'reexecution', 'fallback'])('accepts the attempt reason %s', (reason) => {
    expect(attribution(chat({ 'pnl.attempt.reason': reason })).attemptReason).toBe(reason);
  });

  it('drops an unknown attempt reason', () => {
    expect(attribution(chat({ 'pnl.attempt': 1, 'pnl.attempt.reason': 'because' })).attemptReason).toBe('');
  });
});
