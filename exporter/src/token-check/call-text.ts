/**
 * Why one side (input or output) of a sampled call was not compared. A bounded set: it is the
 * `reason` label of `pnl_token_check_skipped_total`.
 */
export type SkipReason =
  /** The emitter did not capture this side's text (content capture off, or no such key). */
  | 'no_content'
  /** Images, audio, files, tool calls, tool results or tool definitions: their token cost is not plain text. */
  | 'unsupported_content'
  /** A content attribute that is not in its convention's format (e.g. malformed JSON). */
  | 'unreadable_content'
  /** Over the character cap that bounds the tokenizer's CPU time. */
  | 'too_long'
  /** The span reported no token counts to compare with. */
  | 'no_usage'
  /** Embeddings and other operations without a chat or completion text to count. */
  | 'operation'
  /** The check queue was full: ingest is faster than the tokenizer. */
  | 'queue_full'
  /** More distinct emitters than the tally keeps (bounds metric labels). */
  | 'too_many_emitters'
  /** An unexpected failure while counting (logged without content). */
  | 'error';

/** Every skip reason, for zero-filled reports. */
export const SKIP_REASONS: readonly SkipReason[] = [
  'no_content',
  'unsupported_content',
  'unreadable_content',
  'too_long',
  'no_usage',
  'operation',
  'queue_full',
  'too_many_emitters',
  'error',
];

/** One chat message as the model sees it: role, optional participant name, text. */
export interface ChatMessage {
  role: string;
  /** `name` field of the message ('' when none); it costs tokens too. */
  name: string;
  text: string;
}

/** One side of a call: its text, or why it cannot be compared. */
export type Side<T> = { ok: true; value: T } | { ok: false; reason: SkipReason };

/**
 * The text of one model call as its emitter captured it. Lives only inside the token check's
 * counting step: never stored, never logged.
 */
export interface CallText {
  /** The prompt: chat messages in order (a completion prompt is one message). */
  input: Side<ChatMessage[]>;
  /** The completion text of each choice (reasoning excluded: reasoning tokens are reported apart). */
  output: Side<string[]>;
}

/** A side with text. */
export function ok<T>(value: T): Side<T> {
  return { ok: true, value };
}

/** A side that cannot be compared, and why. */
export function skip<T>(reason: SkipReason): Side<T> {
  return { ok: false, reason };
}
