import { trace, type Tracer } from '@opentelemetry/api';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/**
 * The tracer for run and outcome spans. Looked up on each use, not cached at import, so
 * it follows whichever provider is registered globally when the run starts.
 */
export function pnlTracer(): Tracer {
  return trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
}
