import { openAIUsageAttributes, type OpenAIUsageAttributes } from './openai-usage.js';

/**
 * Watches a server-sent-events body as it streams past and reports the usage found in its
 * `data:` events. Text is fed in arbitrary chunks; lines split across chunks are rejoined.
 */
export class SseUsageScanner {
  private pending = '';

  constructor(private readonly onUsage: (usage: OpenAIUsageAttributes) => void) {}

  /** Feeds the next decoded piece of the body. */
  push(text: string): void {
    const lines = (this.pending + text).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.scanLine(line);
  }

  /** Flushes a last line that had no trailing newline. */
  end(): void {
    this.scanLine(this.pending);
    this.pending = '';
  }

  private scanLine(line: string): void {
    // Only usage-bearing events are parsed: most chunks are content deltas.
    if (!line.startsWith('data:') || !line.includes('"usage"')) return;
    let event: unknown;
    try {
      event = JSON.parse(line.slice(5));
    } catch {
      return;
    }
    const usage = openAIUsageAttributes(event);
    if (Object.keys(usage).length > 0) this.onUsage(usage);
  }
}
