// Running the built kvnode from the deploy tests: start it with given arguments (or through a
// pod's command line), keep its stderr for failure messages, and talk HTTP to it on a fresh
// connection per request.
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const http = require('node:http');

const requestTimeoutMs = 2000;

function kvnodeBinary() {
  assert.ok(process.env.KVNODE_BINARY, 'KVNODE_BINARY names the built kvnode');
  return process.env.KVNODE_BINARY;
}

// The program of `argv` with its arguments, as a node: { child, stderr, exit, exited }, where
// exit is null while it runs and exited resolves to it. `options` are spawn's (cwd, env).
function startCommand(argv, options = {}) {
  const child = spawn(argv[0], argv.slice(1), { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
  const node = { child, stderr: '', exit: null };
  child.stderr.on('data', (chunk) => (node.stderr += chunk));
  node.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve((node.exit = { code, signal }))),
  );
  return node;
}

function startKvnode(args, cwd) {
  return startCommand([kvnodeBinary(), ...args], { cwd });
}

// `endpoint` is a port on 127.0.0.1, or { host, port }.
function request(method, endpoint, path, body, timeoutMs = requestTimeoutMs) {
  const { host, port } =
    typeof endpoint === 'number' ? { host: '127.0.0.1', port: endpoint } : endpoint;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host, port, method, path, agent: false, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${host}:${port}${path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Polls GET `path` until it answers `status`, or fails with kvnode's stderr when the node ends
// or the time is up.
async function waitForStatus(node, endpoint, path, status, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    assert.equal(node.exit, null, `kvnode ended: ${JSON.stringify(node.exit)}\n${node.stderr}`);
    const reply = await request('GET', endpoint, path).catch(() => null);
    if (reply && reply.status === status) return;
    assert.ok(Date.now() < deadline, `GET ${path} never answered ${status}\n${node.stderr}`);
    await sleep(50);
  }
}

// The HTTP port kvnode logs once it serves, for a node started on port 0.
async function servingPort(node, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /serving HTTP on \S+:(\d+)/.exec(node.stderr);
    if (match) return Number(match[1]);
    assert.equal(node.exit, null, `kvnode ended: ${JSON.stringify(node.exit)}\n${node.stderr}`);
    assert.ok(Date.now() < deadline, `kvnode did not log its port\n${node.stderr}`);
    await sleep(50);
  }
}

module.exports = { startCommand, startKvnode, request, waitForStatus, servingPort };
