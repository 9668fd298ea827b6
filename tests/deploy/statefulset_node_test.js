// The StatefulSet's three pods, as Kubernetes runs them: each kvnode started through the
// container's own command line (its shell script) with the pod's HOSTNAME, on the ConfigMap's
// config, on an address of its own (the config's 0.0.0.0 moved to it) and with its volumes in
// temp dirs (the test cannot write to /data). CTest runs it in network and mount namespaces of
// its own (in_own_network.sh --mount): the pods' addresses go on its loopback interface, and the
// pods' names under the headless Service resolve through an /etc/hosts of its own, mounted over
// this machine's. They form one cluster, answer their probes, and go through a rolling update
// under writes without losing one.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { test, after } = require('node:test');

const files = require('./deploy_files');
const { startCommand, request, waitForStatus } = require('./kvnode_process');
const pods = require('./pod_command');

const manifests = files.loadManifests();
const statefulSet = files.findObject(manifests, 'StatefulSet');
const podSpec = statefulSet.spec.template.spec;
const container = podSpec.containers.find((c) => c.name === 'kvnode');
const monitor = files.findObject(manifests, 'ServiceMonitor');

const startTimeoutMs = 15000;
// Longer than a write's own deadline on the node (5 s): a write it gives up on is an answer.
const writeTimeoutMs = 8000;
const readConcurrency = 16;

// Loopback addresses, the strictest case: listening there, kvnode answers only to loopback names
// in Host (http.allowed_hosts) and to its members' names, which the members' calls carry (in a
// pod it listens on 0.0.0.0 and answers to any).
const podNetwork = '127.0.0.';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvnode-statefulset-'));

// Pod N: its name, DNS name under the headless Service, address (127.0.0.10 + N), volumes.
// `node` is its running kvnode, if any.
const statefulPods = [...Array(statefulSet.spec.replicas).keys()].map((ordinal) => {
  const name = `${statefulSet.metadata.name}-${ordinal}`;
  const dir = path.join(scratch, name);
  return {
    ordinal,
    name,
    dnsName: `${name}.${statefulSet.spec.serviceName}`,
    ip: `${podNetwork}${10 + ordinal}`,
    volumes: pods.volumeRelocations(container, path.join(dir, 'volumes')),
    standIn: path.join(dir, 'kvnode'),
    recordFile: path.join(dir, 'argv'),
    node: null,
  };
});

after(() => {
  for (const pod of statefulPods) {
    if (pod.node && pod.node.exit === null) pod.node.child.kill('SIGKILL');
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

// Fails unless this process left the namespace of `kind` (net, mnt) that in_own_network.sh
// names in `variable`: what the test changes there, this machine must not see.
function assertOwnNamespace(kind, variable) {
  const outer = process.env[variable];
  assert.ok(outer, `run through in_own_network.sh --mount: ${variable} is not set`);
  assert.notEqual(fs.readlinkSync(`/proc/self/ns/${kind}`), outer, `in this machine's ${kind}`);
}

// The pods' network: each pod's address, on the namespace's loopback interface.
function addPodAddresses() {
  assertOwnNamespace('net', 'OUTER_NET_NAMESPACE');
  for (const pod of statefulPods) execFileSync('ip', ['addr', 'add', `${pod.ip}/32`, 'dev', 'lo']);
}

// The pods' names as the cluster's DNS answers them, in an /etc/hosts of the test's own.
function mountHostsFile() {
  assertOwnNamespace('mnt', 'OUTER_MOUNT_NAMESPACE');
  const hostsFile = path.join(scratch, 'hosts');
  const lines = ['127.0.0.1 localhost', ...statefulPods.map((pod) => `${pod.ip} ${pod.dnsName}`)];
  fs.writeFileSync(hostsFile, `${lines.join('\n')}\n`);
  execFileSync('mount', ['--bind', hostsFile, '/etc/hosts']);
}

function containerPort(name) {
  return container.ports.find((p) => p.name === name).containerPort;
}

function httpEndpoint(pod) {
  return { host: pod.ip, port: containerPort('http') };
}

// The ConfigMap's file as pod `pod` has it: data_dir moved with its volume and the addresses
// that listen on every interface moved to the pod's own. Nothing else changes.
function podConfigText(text, pod) {
  const toPod = (value) => value.replace(/^(tcp:\/\/)?0\.0\.0\.0:/, `$1${pod.ip}:`);
  const localDataDir = (line, key, dataDir) =>
    `${key}${JSON.stringify(pods.relocatePaths(dataDir, pod.volumes))}`;
  const rewritten = text
    .replace(/^(data_dir\s*=\s*)"([^"]*)"/m, localDataDir)
    .replace(/"(tcp:\/\/)?0\.0\.0\.0:/g, (quoted) => `"${toPod(quoted.slice(1))}`);
  const expected = files.parseToml(text);
  expected.node.data_dir = pods.relocatePaths(expected.node.data_dir, pod.volumes);
  for (const settings of Object.values(expected)) {
    for (const [key, value] of Object.entries(settings)) {
      if (typeof value === 'string') settings[key] = toPod(value);
    }
  }
  assert.deepEqual(files.parseToml(rewritten), expected);
  return rewritten;
}

// Lays out the pod's volumes: configMap volumes get their files, the others start empty, as a
// new PersistentVolumeClaim does. The image's ENTRYPOINT is a stand-in that records its
// arguments and becomes the kvnode this build made.
function preparePod(pod) {
  for (const [mountPath, localPath] of pod.volumes) {
    fs.mkdirSync(localPath, { recursive: true });
    const mount = container.volumeMounts.find((m) => m.mountPath === mountPath);
    const volume = podSpec.volumes.find((v) => v.name === mount.name);
    if (!volume || !volume.configMap) continue;
    const configMap = files.findObject(manifests, 'ConfigMap', volume.configMap.name);
    for (const [name, text] of Object.entries(configMap.data)) {
      const content = name.endsWith('.toml') ? podConfigText(text, pod) : text;
      fs.writeFileSync(path.join(localPath, name), content);
    }
  }
  pods.writeStandIn(pod.standIn, pod.recordFile, process.env.KVNODE_BINARY);
}

// The container's command line as the kubelet starts it, from the image's working directory.
function startPod(pod) {
  fs.rmSync(pod.recordFile, { force: true });
  const argv = pods.podArgv(container, [...pod.volumes, [pods.entrypoint, pod.standIn]]);
  pod.node = startCommand(argv, {
    cwd: pods.relocatePaths(pods.workdir, pod.volumes),
    env: pods.podEnv(pod.name),
  });
}

// The arguments the pod's kvnode got; it replaced the shell, so the kubelet's SIGTERM reaches it.
function startedArgs(pod) {
  const record = pods.readRecord(pod.recordFile);
  assert.equal(record.pid, pod.node.child.pid, `${pod.name}: kvnode is not the shell's process`);
  return record.args;
}

// Where the kubelet sends `probeSpec`'s GET: the pod's address at the probe's port.
function probeEndpoint(pod, probeSpec) {
  return { host: pod.ip, port: containerPort(probeSpec.httpGet.port) };
}

function probe(pod, probeSpec) {
  return request('GET', probeEndpoint(pod, probeSpec), probeSpec.httpGet.path);
}

function waitForReadiness(pod, status, timeoutMs) {
  const { readinessProbe } = container;
  const endpoint = probeEndpoint(pod, readinessProbe);
  return waitForStatus(pod.node, endpoint, readinessProbe.httpGet.path, status, timeoutMs);
}

// SIGTERM as the kubelet sends it after the preStop pause: readiness turns 503 while the node
// still answers, and it exits 0 before the rest of the grace period would end in SIGKILL.
async function stopLikeTheKubelet(pod) {
  const preStopSeconds = Number(container.lifecycle.preStop.exec.command[1]);
  const budgetMs = (podSpec.terminationGracePeriodSeconds - preStopSeconds) * 1000;
  const { node } = pod;
  node.child.kill('SIGTERM');
  await waitForReadiness(pod, 503, budgetMs);
  const liveness = await probe(pod, container.livenessProbe);
  assert.equal(liveness.status, 200, `${pod.name} still serves while draining`);
  const timer = setTimeout(() => node.child.kill('SIGKILL'), budgetMs);
  const exit = await node.exited;
  clearTimeout(timer);
  assert.deepEqual(exit, { code: 0, signal: null }, `${pod.name}\n${node.stderr}`);
}

function feedAccepts(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function clusterStatus(pod) {
  const reply = await request('GET', httpEndpoint(pod), '/v1/cluster');
  assert.equal(reply.status, 200, `${pod.name}: GET /v1/cluster: ${reply.body}`);
  return JSON.parse(reply.body);
}

// Runs `action` on every item, at most `limit` at once.
async function eachLimited(items, limit, action) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await action(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

// Writes one key at a time through the pods `targets()` gives (those the client Service would
// send to), round robin, until stopped. Each write gets a key of its own; `acknowledged` holds
// the answered ones, `failed` the others.
function startWriter(targets) {
  const writer = { acknowledged: new Map(), failed: [], stopped: false };
  writer.done = (async () => {
    for (let n = 0; !writer.stopped; n++) {
      const candidates = targets();
      const pod = candidates[n % candidates.length];
      const key = `rolling-${n}`;
      const value = `written through ${pod.name} (${n})`;
      const keyPath = `/v1/keys/${key}`;
      const reply = await request('PUT', httpEndpoint(pod), keyPath, value, writeTimeoutMs).catch(
        (error) => ({ status: 0, body: error.message }),
      );
      if (reply.status === 200) writer.acknowledged.set(key, value);
      else writer.failed.push(`PUT ${key} through ${pod.name}: ${reply.status} ${reply.body}`);
    }
  })();
  return writer;
}

test('the three pods start through their command line and become ready', async () => {
  addPodAddresses();
  mountHostsFile();
  for (const pod of statefulPods) preparePod(pod);
  // podManagementPolicy Parallel: all at once.
  for (const pod of statefulPods) startPod(pod);
  for (const pod of statefulPods) await waitForReadiness(pod, 200, startTimeoutMs);
  for (const pod of statefulPods) {
    const args = startedArgs(pod);
    assert.equal(args.includes('--bootstrap'), pod.ordinal === 0, `${pod.name}: ${args}`);
    assert.equal((await probe(pod, container.livenessProbe)).status, 200);
    const metrics = await request('GET', httpEndpoint(pod), monitor.spec.endpoints[0].path);
    assert.equal(metrics.status, 200);
    assert.match(metrics.body, /^kv_build_info\{/m);
    assert.ok(await feedAccepts(pod.ip, containerPort('feed')), `${pod.name}: the feed accepts`);
  }
});

test('a write through one pod reads back through the others', async () => {
  for (const writer of statefulPods) {
    const key = `through-${writer.name}`;
    const put = await request('PUT', httpEndpoint(writer), `/v1/keys/${key}`, writer.name);
    assert.equal(put.status, 200, `PUT through ${writer.name}: ${put.body}`);
    for (const reader of statefulPods.filter((pod) => pod !== writer)) {
      const get = await request('GET', httpEndpoint(reader), `/v1/keys/${key}`);
      assert.deepEqual(get, { status: 200, body: writer.name }, `${key} through ${reader.name}`);
    }
  }
});

test('GET /v1/cluster lists the three members by name, and all agree on the leader', async () => {
  const { peers } = files.parseToml(files.clusterConfigText()).cluster;
  const httpPort = containerPort('http');
  const leaders = new Set();
  for (const pod of statefulPods) {
    const status = await clusterStatus(pod);
    assert.equal(status.id, pod.ordinal + 1);
    const members = [...status.members].sort((a, b) => a.id - b.id);
    assert.deepEqual(
      members.map((m) => [m.id, m.raft_address, m.http_address]),
      statefulPods.map((p) => [p.ordinal + 1, peers[p.ordinal], `${p.dnsName}:${httpPort}`]),
      `${pod.name}: ${JSON.stringify(status)}`,
    );
    leaders.add(status.leader);
  }
  assert.equal(leaders.size, 1, `leaders: ${[...leaders]}`);
  assert.notEqual([...leaders][0], null);
});

// As the StatefulSet controller updates: the highest ordinal first, each pod deleted (out of the
// client Service at once, SIGTERM after preStop) and made again on its volume, the next only
// once it is ready. The preStop pause itself is not waited: it is there for endpoints to catch
// up, and the writer here knows at once.
test('a rolling update (2, 1, 0) under writes through the other pods loses no write', async (t) => {
  const updating = new Set();
  const writer = startWriter(() => statefulPods.filter((pod) => !updating.has(pod)));
  try {
    for (const pod of [...statefulPods].reverse()) {
      const before = writer.acknowledged.size;
      updating.add(pod);
      await stopLikeTheKubelet(pod);
      startPod(pod);
      await waitForReadiness(pod, 200, startTimeoutMs);
      const args = startedArgs(pod);
      assert.ok(!args.includes('--bootstrap'), `${pod.name} restarted with --bootstrap: ${args}`);
      updating.delete(pod);
      assert.ok(writer.acknowledged.size > before, `no write answered while ${pod.name} updated`);
    }
  } finally {
    writer.stopped = true;
    await writer.done;
  }
  assert.deepEqual(writer.failed, [], 'every write through the pods in service succeeds');
  t.diagnostic(`${writer.acknowledged.size} writes acknowledged during the update`);

  const acknowledged = [...writer.acknowledged];
  for (const pod of statefulPods) {
    const missing = [];
    await eachLimited(acknowledged, readConcurrency, async ([key, value]) => {
      const reply = await request('GET', httpEndpoint(pod), `/v1/keys/${key}`);
      if (reply.status !== 200 || reply.body !== value) {
        missing.push(`${key}: ${reply.status} ${reply.body}`);
      }
    });
    assert.deepEqual(missing, [], `${pod.name} misses writes of the ${acknowledged.length}`);
  }
});
