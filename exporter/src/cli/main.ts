#!/usr/bin/env node
import { Command, Option } from 'commander';
import { CONFIG_FIELDS, loadConfig } from '../config/config.js';
import { ConfigError } from '../config/config-error.js';
import { createLogger } from '../log/logger.js';
import { PnlService } from '../service/pnl-service.js';

/** Adds one option per configuration field that has a flag, documented with its variable and default. */
function withConfigOptions(cmd: Command): Command {
  for (const field of Object.values(CONFIG_FIELDS)) {
    if (field.flag === undefined) continue;
    const dflt = field.default === undefined ? '' : ` [default: ${String(field.default)}]`;
    cmd.addOption(new Option(`--${field.flag} <value>`, `${field.doc} (env ${field.env})${dflt}`));
  }
  return cmd;
}

const program = new Command()
  .name('agentic-pnl')
  .description('Maps every LLM dollar to the customer and feature that caused it.')
  .showHelpAfterError();

withConfigOptions(program.command('serve').description('Receive OTLP traces on /v1/traces, price LLM calls, store them in ClickHouse, serve /metrics.')).action(
  async (flags: Record<string, unknown>) => {
    const config = loadConfig(process.env, flags);
    const logger = createLogger(config.logLevel);
    const service = await PnlService.start(config, logger);
    const stop = (signal: string): void => {
      logger.info('stopping', { signal });
      service.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error('stop failed', { error: (err as Error).message });
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  },
);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`agentic-pnl: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`agentic-pnl: ${(err as Error).message}\n`);
  process.exit(1);
});
