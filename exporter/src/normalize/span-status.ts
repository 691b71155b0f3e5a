import { SpanStatusCode } from '../model/decoded-span.js';
import type { DecodedSpan } from '../model/decoded-span.js';
import { stringAttr } from './attribute-values.js';

/**
 * 'error' when the span status is ERROR or `error.type` is set (some emitters set only the
 * attribute, Langfuse only its observation level), 'ok' for OK, else 'unset'.
 */
export function spanStatus(span: DecodedSpan): 'ok' | 'error' | 'unset' {
  if (span.statusCode === SpanStatusCode.Error) return 'error';
  const attrs = span.attributes;
  if (stringAttr(attrs, 'error.type') !== '' || attrs['langfuse.observation.level'] === 'ERROR') return 'error';
  return span.statusCode === SpanStatusCode.Ok ? 'ok' : 'unset';
}

/** `error.type`, else 'exception' when an exception event was recorded, else ''. */
export function errorTypeOf(span: DecodedSpan): string {
  const errorType = stringAttr(span.attributes, 'error.type');
  if (errorType !== '') return errorType;
  return span.eventNames.includes('exception') ? 'exception' : '';
}
