// Calls the Chats gateway's HTTP API with the official OpenAI Node client and prints, as one JSON line, what the
// client made of the answer: the images response, or the error class and fields it raised.
//
//   node generate.mjs --base-url http://127.0.0.1:8080/v1 --prompt "a red circle" --size 64x64 [--n 2] [--user alice]
//                     [--extra '{"steps": 4, "seed": 7, "mode": "chats"}']
// Each option can also come from the environment: CHATS_BASE_URL, CHATS_PROMPT, CHATS_SIZE, CHATS_N, CHATS_USER,
// CHATS_EXTRA. Exit code 0 when the call was answered (images or an API error), 1 when the client failed otherwise.
import { parseArgs } from 'node:util';
import OpenAI from 'openai';

const { values } = parseArgs({
  options: {
    'base-url': { type: 'string', default: process.env.CHATS_BASE_URL },
    prompt: { type: 'string', default: process.env.CHATS_PROMPT },
    size: { type: 'string', default: process.env.CHATS_SIZE },
    n: { type: 'string', default: process.env.CHATS_N ?? '1' },
    user: { type: 'string', default: process.env.CHATS_USER },
    extra: { type: 'string', default: process.env.CHATS_EXTRA ?? '{}' },
  },
});

if (!values['base-url']) {
  console.error('generate.mjs: --base-url (or CHATS_BASE_URL) is required, e.g. http://127.0.0.1:8080/v1');
  process.exit(2);
}

// The gateway's auth is off unless configured; the client insists on a key, so a placeholder stands in.
const client = new OpenAI({
  baseURL: values['base-url'],
  apiKey: process.env.CHATS_API_KEY ?? 'unused',
  maxRetries: 0,
  timeout: 120_000,
});

try {
  const result = await client.images.generate({
    prompt: values.prompt,
    size: values.size,
    response_format: 'b64_json',
    n: Number(values.n),
    user: values.user,
    // The CHATS members (steps, seed, mode, ...) go along in the body as they are.
    ...JSON.parse(values.extra),
  });
  console.log(JSON.stringify({ ok: true, result }));
} catch (err) {
  if (err instanceof OpenAI.APIError) {
    console.log(JSON.stringify({
      ok: false,
      errorClass: err.constructor.name,
      isBadRequestError: err instanceof OpenAI.BadRequestError,
      status: err.status,
      message: err.message,
      error: err.error,
      param: err.param ?? null,
      code: err.code ?? null,
      type: err.type ?? null,
    }));
  } else {
    console.error(err);
    process.exit(1);
  }
}
