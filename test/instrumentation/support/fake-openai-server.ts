import { readBody, startLocalServer, type LocalServer } from './local-server.js';

/** What the fake reports for every completion; the assertions use these exact numbers. */
export const FAKE_USAGE = {
  prompt_tokens: 1200,
  completion_tokens: 340,
  total_tokens: 1540,
  prompt_tokens_details: { cached_tokens: 1024, audio_tokens: 0 },
  completion_tokens_details: { reasoning_tokens: 256, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
};

/*
 * The cost of one fake completion in pico-dollars, from the published prices per million tokens
 * (pico-dollars per token = $/Mtok x 1e6): gpt-4o-mini input $0.15, cached $0.075, output $0.60;
 * gpt-4o input $2.50, cached $1.25, output $10. Output includes the reasoning tokens.
 */
const UNCACHED = BigInt(FAKE_USAGE.prompt_tokens - FAKE_USAGE.prompt_tokens_details.cached_tokens);
const CACHED = BigInt(FAKE_USAGE.prompt_tokens_details.cached_tokens);
const OUTPUT = BigInt(FAKE_USAGE.completion_tokens);
export const FAKE_COMPLETION_PICO_USD = {
  'gpt-4o-mini': UNCACHED * 150_000n + CACHED * 75_000n + OUTPUT * 600_000n,
  'gpt-4o': UNCACHED * 2_500_000n + CACHED * 1_250_000n + OUTPUT * 10_000_000n,
} as const;

/** A fake OpenAI Chat Completions endpoint. Model `broken-model` answers HTTP 500 once per call. */
export interface FakeOpenAI extends LocalServer {
  /** Base URL for the OpenAI client (`.../v1`). */
  readonly baseURL: string;
  /** Request bodies received, in order. */
  readonly requests: Array<{ model: string; stream: boolean }>;
}

export async function startFakeOpenAI(): Promise<FakeOpenAI> {
  const requests: FakeOpenAI['requests'] = [];
  const local = await startLocalServer((req, res) => {
    void readBody(req).then((raw) => {
      const body = JSON.parse(raw.toString('utf8')) as { model: string; stream?: boolean };
      requests.push({ model: body.model, stream: body.stream === true });
      if (req.url !== '/v1/chat/completions') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
        return;
      }
      if (body.model === 'broken-model') {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"model is broken","type":"invalid_request_error"}}');
        return;
      }
      const base = { id: `chatcmpl-${requests.length}`, created: 1_700_000_000, model: `${body.model}-2024-08-06` };
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const chunk = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
        res.write(chunk({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' }, finish_reason: null }] }));
        res.write(chunk({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: 'lo' }, finish_reason: 'stop' }] }));
        // The usage event is split mid-JSON to prove the scanner rejoins lines across chunks.
        const usage = chunk({ ...base, object: 'chat.completion.chunk', choices: [], usage: FAKE_USAGE });
        res.write(usage.slice(0, 40));
        setTimeout(() => res.end(`${usage.slice(40)}data: [DONE]\n\n`), 5);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          ...base,
          object: 'chat.completion',
          choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello' } }],
          usage: FAKE_USAGE,
        }),
      );
    });
  });
  return { ...local, baseURL: `${local.url}/v1`, requests };
}
