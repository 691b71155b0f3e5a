/** Name of this package, used as the instrumentation scope of the spans it starts. */
export const PACKAGE_NAME = '@agentic-pnl/instrumentation';
/** Version of this package; keep in step with package.json. */
export const PACKAGE_VERSION = '0.1.0';
