#!/usr/bin/env node
// Runs SQL in an in-memory DuckDB and prints the result rows as a JSON array.
//
//   node tools/duckdb/query.mjs 'SELECT * FROM read_parquet(''x.parquet'')'
//   echo 'SELECT 1 AS one' | node tools/duckdb/query.mjs
//
// Several statements separated by ';' may be given; the rows of the last one
// are printed. Errors go to stderr and the exit code is 1.
//
// @duckdb/node-api is installed by scripts/install-tools.sh under
// <repo>/.tools/duckdb; DUCKDB_NODE_DIR overrides that folder. If it is not
// there, normal Node resolution (NODE_PATH etc.) is tried.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const toolDir = process.env.DUCKDB_NODE_DIR || path.resolve(here, '..', '..', '.tools', 'duckdb');

function loadDuckDB() {
  const tries = [path.join(toolDir, 'package.json'), import.meta.url];
  let lastErr;
  for (const from of tries) {
    try {
      return createRequire(from)('@duckdb/node-api');
    } catch (err) {
      lastErr = err;
    }
  }
  throw new Error(
    `cannot load @duckdb/node-api from ${toolDir} (run scripts/install-tools.sh): ${lastErr.message}`,
  );
}

function readSQL() {
  const args = process.argv.slice(2);
  if (args.length > 1) throw new Error('usage: query.mjs [SQL]  (or SQL on stdin)');
  if (args.length === 1 && args[0] !== '-') return args[0];
  return readFileSync(0, 'utf8');
}

async function main() {
  const sql = readSQL();
  if (!sql.trim()) throw new Error('no SQL given (argument or stdin)');
  const { DuckDBInstance } = loadDuckDB();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    const reader = await conn.runAndReadAll(sql);
    process.stdout.write(JSON.stringify(reader.getRowObjectsJson()) + '\n');
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

main().catch((err) => {
  process.stderr.write(`query.mjs: ${err && err.message ? err.message : err}\n`);
  process.exitCode = 1;
});
