// The otlp2parquet Cloudflare Worker: OTLP/HTTP logs, traces and metrics in,
// Parquet objects in R2 out. Everything OTLP is done by the Go side (cmd/worker, compiled to
// WebAssembly): routing, the bearer token, reading and gunzipping the body
// under the size limit, decoding, Parquet, the R2 puts through the
// LOGS_BUCKET binding, and the answer. This module only starts it and turns
// its replies into Responses. `make worker` puts it next to Go's own
// wasm_exec.js and the wasm in dist/worker/.
import './wasm_exec.js';
import wasm from './otlp2parquet.wasm';

// The Go program, started once per isolate (by its first request: Workers
// allow no random numbers, which Go's start-up takes, at global scope).
let handler;
// Requests go through Go one at a time. Go's goroutines share one event
// loop: were two requests in Go at once, one request's R2 calls could run
// in the other's callbacks, outside its own I/O context. One at a time also
// bounds the isolate's memory to one request's worth.
let queue = Promise.resolve();

async function start(env) {
  const go = new Go();
  const instance = await WebAssembly.instantiate(wasm, go.importObject);
  // run() executes main until it waits for requests, then returns a promise
  // that settles only if the Go program ends.
  go.run(instance).then(
    () => console.error('otlp2parquet: the Go program exited'),
    (err) => console.error('otlp2parquet: the Go program failed:', err),
  );
  const handle = globalThis.otlp2parquetStart(env, instance.exports.mem);
  if (handle instanceof Error) throw handle;
  return handle;
}

export default {
  async fetch(request, env) {
    if (handler === undefined) {
      handler = start(env);
      handler.catch(() => {
        handler = undefined; // a broken start (configuration, binding) is retried by the next request
      });
    }
    let handle;
    try {
      handle = await handler;
    } catch (err) {
      console.error('otlp2parquet: start:', err.message);
      return new Response(`otlp2parquet: ${err.message}\n`, { status: 500 });
    }
    const turn = queue.then(() => handle(request));
    queue = turn.catch(() => {});
    const reply = await turn;
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  },
};
