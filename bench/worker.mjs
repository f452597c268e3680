#!/usr/bin/env node
// Measures the Worker's wasm under node: cold start (compile, instantiate,
// start) and the CPU time of requests, with process.cpuUsage around each
// call into Go (the same otlp2parquet.wasm and wasm_exec.js that
// `make worker` bundles), storing into an in-memory stand-in for R2
// (storage/r2/testdata/fake-r2.js). Run by bench/worker.sh (make worker-bench).
//
//   node bench/worker.mjs DIR NAME=FILE[:gzip][@PATH] ...   (DIR holds the bundle;
//   PATH is /v1/logs unless given, e.g. @/v1/traces)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const here = path.dirname(fileURLToPath(import.meta.url));
const [dir, ...specs] = process.argv.slice(2);
if (!dir || specs.length === 0) {
  console.error('usage: worker.mjs DIR NAME=FILE[:gzip] ...');
  process.exit(2);
}
const runs = Number(process.env.RUNS || 50);

function cpuMs(fn) {
  return async () => {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await fn();
    const c = process.cpuUsage(c0);
    return { out, cpu: (c.user + c.system) / 1000, wall: performance.now() - t0 };
  };
}

// eslint-disable-next-line no-eval
const FakeR2 = (0, eval)(readFileSync(path.join(here, '..', 'storage', 'r2', 'testdata', 'fake-r2.js'), 'utf8'));
(0, eval)(readFileSync(path.join(dir, 'wasm_exec.js'), 'utf8'));
const bytes = readFileSync(path.join(dir, 'otlp2parquet.wasm'));

const compile = await cpuMs(() => WebAssembly.compile(bytes))();
const bucket = new FakeR2();
const env = { CF_WORKER: '1', LOGS_BUCKET: bucket, OTLP2PARQUET_LOG_LEVEL: process.env.LOG_LEVEL || 'warn' };
const start = await cpuMs(async () => {
  const go = new Go();
  const instance = await WebAssembly.instantiate(compile.out, go.importObject);
  go.run(instance);
  const handle = globalThis.otlp2parquetStart(env, instance.exports.mem);
  if (handle instanceof Error) throw handle;
  return { handle, mem: instance.exports.mem };
})();
const { handle, mem } = start.out;
console.log(`wasm: ${bytes.length} bytes; node ${process.version}`);
console.log(`cold: compile ${compile.wall.toFixed(1)} ms wall (${compile.cpu.toFixed(1)} ms CPU, several threads); ` +
  `instantiate + Go start-up ${start.wall.toFixed(1)} ms wall, ${start.cpu.toFixed(1)} ms CPU`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

for (const spec of specs) {
  const [name, rest] = spec.split('=');
  const [file, urlPath = '/v1/logs'] = rest.split('@');
  const gz = file.endsWith(':gzip');
  const body = readFileSync(gz ? file.slice(0, -5) : file);
  const headers = { 'content-type': 'application/x-protobuf' };
  if (gz) headers['content-encoding'] = 'gzip';
  const cpu = [];
  const wall = [];
  let first;
  for (let i = 0; i < runs + 1; i++) {
    const req = new Request('http://127.0.0.1' + urlPath, { method: 'POST', headers, body });
    bucket.objects.clear();
    const r = await cpuMs(() => handle(req))();
    if (r.out.status !== 200) throw new Error(`${name}: status ${r.out.status}: ${new TextDecoder().decode(r.out.body)}`);
    if (i === 0) {
      first = r; // the first request of a kind also grows the Go heap: reported apart
      continue;
    }
    cpu.push(r.cpu);
    wall.push(r.wall);
  }
  console.log(`${name}: ${body.length} bytes${gz ? ' gzip' : ''}, ${bucket.objects.size} objects; ` +
    `CPU per request median ${median(cpu).toFixed(2)} ms, p90 ${pct(cpu, 0.9).toFixed(2)} ms ` +
    `(wall median ${median(wall).toFixed(2)} ms; first request ${first.cpu.toFixed(2)} ms CPU) over ${runs} runs; ` +
    `wasm memory ${(mem.buffer.byteLength / 1048576).toFixed(0)} MiB`);
}
process.exit(0);
