'use strict';
/* global require, process, console */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS worker script */
/**
 * Runs inside one execution environment (a worker thread): loads the function's bundle once (the
 * cold start), then runs one invocation at a time for the parent, like the Lambda Node.js runtime.
 * Plain CommonJS so that a worker can load it whatever runs the parent (tsx, jest, node).
 */
const { parentPort, workerData } = require('node:worker_threads');
const { pathToFileURL } = require('node:url');
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { format } = require('node:util');
const diagnostics = require('node:diagnostics_channel');

const { taskRoot, handler: handlerSetting, logFormat } = workerData;

let currentRequestId;

function serializeError(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: 'Error', errorMessage: format('%s', error), trace: [] };
}

/** The Lambda runtime prefixes console output with time, request id and level (or emits JSON). */
function patchConsole() {
  const levels = { log: 'INFO', info: 'INFO', warn: 'WARN', error: 'ERROR', debug: 'DEBUG', trace: 'TRACE' };
  for (const [method, level] of Object.entries(levels)) {
    const stream = level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout;
    console[method] = (...args) => {
      const message = format(...args);
      const timestamp = new Date().toISOString();
      const line =
        logFormat === 'JSON'
          ? JSON.stringify({ timestamp, level, requestId: currentRequestId, message })
          : `${timestamp}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}`;
      stream.write(`${line}\n`);
    };
  }
}

async function loadHandler() {
  const dot = handlerSetting.lastIndexOf('.');
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${handlerSetting}: expected file.export`), {
      name: 'Runtime.MalformedHandlerName',
    });
  }
  const file = handlerSetting.slice(0, dot);
  const exportName = handlerSetting.slice(dot + 1);
  const candidates = ['.js', '.cjs', '.mjs'].map((extension) => join(taskRoot, `${file}${extension}`));
  const modulePath = candidates.find((candidate) => existsSync(candidate));
  if (modulePath === undefined) {
    throw Object.assign(new Error(`Cannot find module '${file}' in ${taskRoot}`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  let loaded;
  try {
    loaded = modulePath.endsWith('.mjs') ? await import(pathToFileURL(modulePath).href) : require(modulePath);
  } catch (error) {
    const wrapped = new Error(`Error loading ${modulePath}: ${error instanceof Error ? error.message : error}`);
    wrapped.name = 'Runtime.ImportModuleError';
    wrapped.stack = error instanceof Error ? error.stack : wrapped.stack;
    throw wrapped;
  }
  const fn = loaded[exportName] ?? (loaded.default ? loaded.default[exportName] : undefined);
  if (typeof fn !== 'function') {
    throw Object.assign(new Error(`${file}.${exportName} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return fn;
}

/** Async handlers resolve their promise; callback handlers call back (Node.js 22 runtime still allows it). */
function callHandler(fn, event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = fn(event, context, callback);
      if (returned && typeof returned.then === 'function') {
        returned.then(resolve, reject);
      } else if (fn.length < 3) {
        resolve(returned);
      }
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * The runtime's accounting of the function's calls to AWS: every HTTP request the environment starts
 * (one SDK call, or one retry of it) is reported to the parent, named by its signing service and, where
 * the protocol says it in a header (JSON protocols: X-Amz-Target), its operation.
 */
function countSdkCalls() {
  diagnostics.subscribe('http.client.request.start', ({ request }) => {
    parentPort.postMessage({ type: 'sdk-call', operation: operationOf(request) });
  });
}

function operationOf(request) {
  const scope = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(String(request.getHeader('authorization') ?? ''));
  const service = scope ? scope[1] : 'unsigned';
  const target = request.getHeader('x-amz-target');
  return typeof target === 'string' && target.includes('.') ? `${service}:${target.slice(target.lastIndexOf('.') + 1)}` : service;
}

async function main() {
  if ((process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps')) {
    process.setSourceMapsEnabled(true);
  }
  patchConsole();
  countSdkCalls();
  let fn;
  try {
    fn = await loadHandler();
  } catch (error) {
    parentPort.postMessage({ type: 'init-error', error: serializeError(error) });
    return;
  }
  parentPort.on('message', async (message) => {
    if (message.type !== 'invoke') return;
    currentRequestId = message.context.awsRequestId;
    const context = {
      ...message.context,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, message.deadlineMs - Date.now()),
    };
    try {
      const result = await callHandler(fn, message.event, context);
      // Lambda returns the JSON serialization of the result; `undefined` becomes null.
      const payload = result === undefined ? 'null' : JSON.stringify(result);
      parentPort.postMessage({ type: 'result', requestId: message.context.awsRequestId, payload });
    } catch (error) {
      const serialized = serializeError(error);
      console.error(`Invoke Error \t${JSON.stringify(serialized)}`);
      parentPort.postMessage({ type: 'error', requestId: message.context.awsRequestId, error: serialized });
    } finally {
      currentRequestId = undefined;
    }
  });
  parentPort.postMessage({ type: 'ready' });
}

void main();
