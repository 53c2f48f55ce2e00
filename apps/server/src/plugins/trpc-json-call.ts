import type { AnyTRPCRouter, TRPCErrorShape, TRPCProcedureType } from '@trpc/server';
import { getTRPCErrorFromUnknown, getTRPCErrorShape, TRPCError, transformTRPCResponse } from '@trpc/server';
import { getHTTPStatusCode } from '@trpc/server/http';

/**
 * tRPC's JSON wire protocol (what `httpLink` and `httpBatchLink` speak) answered without building a
 * fetch `Request` and `Response` for every call. tRPC's `fetchRequestHandler` does that, plus an
 * AbortSignal pair per call; measured on `schedules.list` that was most of the gap between tRPC and
 * the REST path doing the same work (bench/http.ts). The semantics follow tRPC's `resolveResponse`:
 * the same paths, batch rules, error shapes and statuses. Streaming requests go to tRPC's own handler.
 */
export type JsonCall = {
  router: AnyTRPCRouter;
  method: 'GET' | 'POST';
  /** The part of the URL path after the endpoint, still percent-encoded: `schedules.list` or `a,b`. */
  rawPath: string;
  query: URLSearchParams;
  /** The POST body as text; undefined for GET. */
  body: string | undefined;
  maxBatchSize: number;
  ctx: unknown;
  onError: (failure: { error: TRPCError; path: string | undefined }) => void;
};

export type JsonAnswer = { status: number; body: string };

/**
 * One call of a request. `inputError` when the request's input could not be read: as in tRPC, it fails
 * the call when the procedure reads its input, so a procedure that takes none still answers.
 */
type Call = { path: string; type: TRPCProcedureType | 'unknown'; input: unknown; inputError?: TRPCError };
type Outcome = { result: { data: unknown } } | { error: TRPCErrorShape };

export async function answerJsonCall(call: JsonCall): Promise<JsonAnswer> {
  const config = call.router._def._config;
  const isBatch = call.query.get('batch') === '1';
  let calls: Call[];
  try {
    calls = readCalls(call, isBatch);
  } catch (cause) {
    // A request that cannot be read at all answers with one error, as tRPC does.
    const error = getTRPCErrorFromUnknown(cause);
    call.onError({ error, path: undefined });
    const shaped = {
      error: getTRPCErrorShape({ config, error, type: 'unknown', path: undefined, input: undefined, ctx: call.ctx }),
    };
    return { status: getHTTPStatusCode(shaped), body: JSON.stringify(transformTRPCResponse(config, shaped)) };
  }
  // A batch runs its calls concurrently, like tRPC's handler; each fails or succeeds on its own.
  const outcomes = await Promise.all(calls.map((one) => runCall(call, one, config)));
  return {
    status: getHTTPStatusCode(outcomes),
    body: JSON.stringify(transformTRPCResponse(config, isBatch ? outcomes : (outcomes[0] as Outcome))),
  };
}

function readCalls(call: JsonCall, isBatch: boolean): Call[] {
  const paths = isBatch ? decodePath(call.rawPath).split(',') : [decodePath(call.rawPath)];
  if (isBatch && paths.length > call.maxBatchSize) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'Batch call exceeds maximum size' });
  }
  let inputs: unknown;
  let inputError: TRPCError | undefined;
  try {
    inputs = readInputs(call, isBatch);
  } catch (cause) {
    inputError = getTRPCErrorFromUnknown(cause);
  }
  const procedures = call.router._def.procedures as Record<string, { _def: { type: TRPCProcedureType } } | undefined>;
  const types = new Set<TRPCProcedureType>();
  const result = paths.map((path, index): Call => {
    const type = procedures[path]?._def.type ?? 'unknown';
    if (type !== 'unknown') types.add(type);
    if (inputError) return { path, type, input: undefined, inputError };
    const raw = isBatch ? (inputs as Record<string, unknown> | undefined)?.[index] : inputs;
    return { path, type, input: raw === undefined ? undefined : call.router._def._config.transformer.input.deserialize(raw) };
  });
  if (types.size > 1) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: `Cannot mix procedure types in call: ${[...types].join(', ')}` });
  }
  return result;
}

function decodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'The procedure path is not valid', cause });
  }
}

function readInputs(call: JsonCall, isBatch: boolean): unknown {
  // An empty body or input is no input, as for a mutation that takes none.
  const text = (call.method === 'GET' ? call.query.get('input') : call.body) || undefined;
  if (text === undefined) return undefined;
  let inputs: unknown;
  try {
    inputs = JSON.parse(text);
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: 'The input is not valid JSON', cause });
  }
  if (isBatch && (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs))) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: '"input" needs to be an object when doing a batch call' });
  }
  return inputs;
}

const METHOD_OF_TYPE: Record<TRPCProcedureType, 'GET' | 'POST'> = { query: 'GET', mutation: 'POST', subscription: 'GET' };

async function runCall(call: JsonCall, one: Call, config: AnyTRPCRouter['_def']['_config']): Promise<Outcome> {
  try {
    const procedure = call.router._def.procedures[one.path] as ((options: unknown) => Promise<unknown>) | undefined;
    if (!procedure || one.type === 'unknown') {
      throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${one.path}"` });
    }
    if (one.type === 'subscription') {
      throw new TRPCError({ code: 'METHOD_NOT_SUPPORTED', message: 'Subscriptions are not served over HTTP here' });
    }
    if (METHOD_OF_TYPE[one.type] !== call.method) {
      throw new TRPCError({
        code: 'METHOD_NOT_SUPPORTED',
        message: `Unsupported ${call.method}-request to ${one.type} procedure at path "${one.path}"`,
      });
    }
    const data = await procedure({
      path: one.path,
      type: one.type,
      ctx: call.ctx,
      getRawInput: async () => {
        if (one.inputError) throw one.inputError;
        return one.input;
      },
      signal: undefined,
      batchIndex: 0,
    });
    return { result: { data } };
  } catch (cause) {
    const error = getTRPCErrorFromUnknown(cause);
    call.onError({ error, path: one.path });
    return { error: getTRPCErrorShape({ config, error, type: one.type, path: one.path, input: one.input, ctx: call.ctx }) };
  }
}
