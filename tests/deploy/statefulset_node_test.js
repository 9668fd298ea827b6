// kvnode run as the StatefulSet runs it: the container's command line and the ConfigMap's config
// as they are, but for the volume mount paths, which move to a temp dir (the test cannot write
// to /data). CTest runs it in a network namespace of its own (in_own_network.sh), as a pod is,
// so the config's fixed ports are free. Answers its probes, drains on SIGTERM, keeps its data.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { test, after } = require('node:test');

const files = require('./deploy_files');
const { startKvnode, request, waitForStatus } = require('./kvnode_process');

const manifests = files.loadManifests();
const statefulSet = files.findObject(manifests, 'StatefulSet');
const podSpec = statefulSet.spec.template.spec;
const container = podSpec.containers.find((c) => c.name === 'kvnode');
const [runtimeStage] = files.loadDockerfile().slice(-1);

const startTimeoutMs = 15000;

// Every volume mount of the container, moved under one temp dir.
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvnode-statefulset-'));
const mounts = container.volumeMounts.map((mount) => ({
  mountPath: mount.mountPath,
  localPath: path.join(scratch, mount.name),
  volume: podSpec.volumes.find((v) => v.name === mount.name),
}));

// A path of the container as the temp dir has it; anything else as it is.
function relocate(value) {
  for (const { mountPath, localPath } of mounts) {
    if (value === mountPath) return localPath;
    if (value.startsWith(`${mountPath}/`)) return localPath + value.slice(mountPath.length);
  }
  return value;
}

// The ConfigMap's file, with only data_dir's value moved with its volume.
function relocatedConfigText(text) {
  const dataDir = files.parseToml(text).node.data_dir;
  const rewritten = text.replace(
    /^(data_dir\s*=\s*)"([^"]*)"/m,
    (line, key) => `${key}${JSON.stringify(relocate(dataDir))}`,
  );
  assert.equal(files.parseToml(rewritten).node.data_dir, relocate(dataDir));
  return rewritten;
}

// Lays out the volumes: configMap volumes get their files, the others start empty, as a new
// PersistentVolumeClaim does.
function prepareVolumes() {
  for (const { localPath, volume } of mounts) {
    fs.mkdirSync(localPath, { recursive: true });
    if (!volume || !volume.configMap) continue;
    const configMap = files.findObject(manifests, 'ConfigMap', volume.configMap.name);
    for (const [name, text] of Object.entries(configMap.data)) {
      const content = name.endsWith('.toml') ? relocatedConfigText(text) : text;
      fs.writeFileSync(path.join(localPath, name), content);
    }
  }
}

// kvnode with the container's command and args, from the image's working directory. The
// image's binary is the one this build made.
function startNode() {
  const [binary, ...commandArgs] = container.command;
  assert.equal(binary, JSON.parse(files.instructionArgs(runtimeStage, 'ENTRYPOINT')[0])[0]);
  const args = [...commandArgs, ...container.args].map(relocate);
  return startKvnode(args, relocate(files.instructionArgs(runtimeStage, 'WORKDIR')[0]));
}

function containerPort(name) {
  return container.ports.find((p) => p.name === name).containerPort;
}

function probe(probeSpec) {
  return request('GET', containerPort(probeSpec.httpGet.port), probeSpec.httpGet.path);
}

function waitForReadiness(node, status, timeoutMs) {
  const { port, path: probePath } = container.readinessProbe.httpGet;
  return waitForStatus(node, containerPort(port), probePath, status, timeoutMs);
}

// SIGTERM as the kubelet sends it after the preStop pause: readiness turns 503 while the node
// still answers, and it exits 0 before the rest of the grace period would end in SIGKILL.
async function stopLikeTheKubelet(node) {
  const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
  const budgetMs = (podSpec.terminationGracePeriodSeconds - preStopSeconds) * 1000;
  node.child.kill('SIGTERM');
  await waitForReadiness(node, 503, budgetMs);
  assert.equal((await probe(container.livenessProbe)).status, 200, 'still serving while draining');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), budgetMs);
  const exit = await node.exited;
  clearTimeout(timer);
  assert.deepEqual(exit, { code: 0, signal: null }, node.stderr);
}

function feedAccepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

// One node at a time, started by the first test and restarted on the same volumes by the last.
let node = null;
after(() => {
  if (node) node.child.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('kvnode answers its probes and serves metrics and the feed', async () => {
  prepareVolumes();
  node = startNode();
  await waitForReadiness(node, 200, startTimeoutMs);
  assert.equal((await probe(container.livenessProbe)).status, 200);
  const monitor = files.findObject(manifests, 'ServiceMonitor');
  const metrics = await request('GET', containerPort('http'), monitor.spec.endpoints[0].path);
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /^kv_build_info\{/m);
  assert.ok(await feedAccepts(containerPort('feed')), 'the feed port accepts connections');
});

test('on SIGTERM it drains and exits 0 within the grace period', async () => {
  const reply = await request('PUT', containerPort('http'), '/v1/keys/deploy-test', 'kept');
  assert.equal(reply.status, 200);
  await stopLikeTheKubelet(node);
});

test('restarted on the same volumes, it has the data it acknowledged', async () => {
  node = startNode();
  await waitForReadiness(node, 200, startTimeoutMs);
  const reply = await request('GET', containerPort('http'), '/v1/keys/deploy-test');
  assert.deepEqual(reply, { status: 200, body: 'kept' });
  await stopLikeTheKubelet(node);
});
