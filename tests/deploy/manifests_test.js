// The Kubernetes manifests of deploy/kubernetes: each valid against the API schemas (kubernetes-
// models), listed by kustomize, and pointing at what the node and the image really provide: three
// raft members, each pod's command line naming the member its ordinal stands for.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { test } = require('node:test');

const files = require('./deploy_files');
const { startKvnode, request, waitForStatus, servingPort } = require('./kvnode_process');
const pods = require('./pod_command');

const { modelOf } = files;

const manifests = files.loadManifests();
const statefulSet = files.findObject(manifests, 'StatefulSet');
const pod = statefulSet.spec.template;
const container = pod.spec.containers.find((c) => c.name === 'kvnode');
const config = files.parseToml(files.clusterConfigText());
const ordinals = [...Array(statefulSet.spec.replicas).keys()];

// The longest a request waits on a partition (actor_request_timeout in node/node.cpp): the drain
// waits for requests in flight, and each ends within this.
const requestTimeoutSeconds = 5;

function containerPort(name) {
  const port = container.ports.find((p) => p.name === name);
  assert.ok(port, `the kvnode container has no port named ${name}`);
  return port.containerPort;
}

function labelsMatch(selector, labels) {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function services() {
  return manifests.map((m) => m.object).filter((o) => o.kind === 'Service');
}

function podName(ordinal) {
  return `${statefulSet.metadata.name}-${ordinal}`;
}

function headlessService() {
  return services().find((s) => s.spec.clusterIP === 'None');
}

// The data volume's states a pod can start on: new; with the raft folder kvnode made but no
// raft state (a first start that ended before the cluster formed); used, with raft state in
// data_dir/raft (node/cluster_member.cpp), here one file named as raft's metadata.
const volumeStates = ['new', 'empty raft folder', 'used'];

// What pod `ordinal` starts on a volume in `state`.
function podStart(ordinal, state) {
  const useVolume = (volumes) => {
    if (state === 'new') return;
    const raftDir = path.join(pods.relocatePaths(config.node.data_dir, volumes), 'raft');
    fs.mkdirSync(raftDir);
    if (state === 'used') fs.writeFileSync(path.join(raftDir, 'metadata1'), '');
  };
  return pods.recordStart(container, podName(ordinal), useVolume);
}

// The values given to `option` in `args`.
function optionValues(args, option) {
  return args.flatMap((arg, i) => (arg === option ? [args[i + 1]] : []));
}

test('every manifest is valid against the schema of its kind', () => {
  assert.ok(manifests.length > 0);
  for (const { file, object } of manifests) {
    const Model = modelOf(object);
    assert.doesNotThrow(() => new Model(object).validate(), `${file}: ${object.kind}`);
  }
});

test('kustomization.yaml lists every manifest file once and nothing else', () => {
  const resources = files.loadKustomization().resources;
  assert.deepEqual([...resources].sort(), files.manifestFiles());
  assert.equal(new Set(resources).size, resources.length);
});

test('the ConfigMap holds deploy/kvnode-cluster.toml word for word', () => {
  const configMap = files.findObject(manifests, 'ConfigMap');
  assert.equal(configMap.data['kvnode.toml'], files.clusterConfigText());
});

// Not a child of a shell that would keep the kubelet's SIGTERM to itself.
test('each pod\'s command line becomes the image\'s ENTRYPOINT, in the same process', () => {
  for (const ordinal of ordinals) {
    const { pid, shellPid } = podStart(ordinal, 'new');
    assert.equal(pid, shellPid, `${podName(ordinal)}: ${pods.entrypoint} is not exec'd`);
  }
});

test('the node reads its config from the ConfigMap volume', () => {
  const configArgs = optionValues(podStart(0, 'new').args, '--config');
  assert.equal(configArgs.length, 1, 'one --config');
  const [configArg] = configArgs;
  const mount = container.volumeMounts.find((m) => configArg.startsWith(`${m.mountPath}/`));
  assert.ok(mount, `--config ${configArg} is on no volume`);
  assert.equal(mount.readOnly, true);
  const volume = pod.spec.volumes.find((v) => v.name === mount.name);
  const configMap = files.findObject(manifests, 'ConfigMap', volume.configMap.name);
  assert.ok(configArg.slice(mount.mountPath.length + 1) in configMap.data);
});

test('data_dir is the volume of the volume claim template', () => {
  const claimNames = statefulSet.spec.volumeClaimTemplates.map((t) => t.metadata.name);
  const mount = container.volumeMounts.find((m) => m.mountPath === config.node.data_dir);
  assert.ok(mount, `data_dir ${config.node.data_dir} is not a mount path`);
  assert.ok(claimNames.includes(mount.name));
});

test('pod N is member N + 1 of cluster.peers, whatever its volume holds', () => {
  for (const ordinal of ordinals) {
    for (const state of volumeStates) {
      const { args } = podStart(ordinal, state);
      assert.deepEqual(optionValues(args, '--cluster-node-id'), [String(ordinal + 1)], args);
    }
  }
});

// A second --bootstrap would be ignored by a member with raft state, but one on the empty
// volume of any other pod would start a second cluster. A first start that ended before the
// cluster formed leaves an empty raft folder: without --bootstrap again, no cluster would form.
test('only the first pod, without raft state, bootstraps the cluster', () => {
  for (const ordinal of ordinals) {
    for (const state of volumeStates) {
      const { args } = podStart(ordinal, state);
      const bootstraps = args.filter((arg) => arg === '--bootstrap').length;
      const expected = ordinal === 0 && state !== 'used' ? 1 : 0;
      assert.equal(bootstraps, expected, `${podName(ordinal)}: ${args}`);
    }
  }
});

test('the peers are the StatefulSet\'s pods under the headless Service, at the raft port', () => {
  const raft = files.splitAddress(config.cluster.raft_listen);
  const { serviceName } = statefulSet.spec;
  assert.deepEqual(
    config.cluster.peers,
    ordinals.map((ordinal) => `${podName(ordinal)}.${serviceName}:${raft.port}`),
  );
  const headless = headlessService();
  // Its pods' names resolve before they are ready: none is ready until a leader exists.
  assert.equal(headless.spec.publishNotReadyAddresses, true);
  const published = headless.spec.ports.find((p) => p.name === 'raft');
  assert.ok(published, `${headless.metadata.name} publishes no raft port`);
  assert.equal(published.port, raft.port);
  assert.equal(containerPort(published.targetPort), raft.port);
});

test('the StatefulSet starts its pods all at once, one for each peer', () => {
  assert.equal(statefulSet.spec.replicas, config.cluster.peers.length);
  // OrderedReady would wait for kvnode-0 to be ready, which needs a leader, which needs two.
  assert.equal(statefulSet.spec.podManagementPolicy, 'Parallel');
});

test('the node listens on every interface at the ports the container declares', () => {
  const http = files.splitAddress(config.http.listen);
  const feed = files.splitAddress(config.feed.zmq_endpoint);
  const raft = files.splitAddress(config.cluster.raft_listen);
  for (const address of [http, feed, raft]) assert.equal(address.host, '0.0.0.0');
  assert.equal(containerPort('http'), http.port);
  assert.equal(containerPort('feed'), feed.port);
  assert.equal(containerPort('raft'), raft.port);
});

test('readiness is probed on /v1/readiness and liveness on /v1/ping, on the HTTP port', () => {
  assert.equal(container.readinessProbe.httpGet.path, '/v1/readiness');
  assert.equal(container.livenessProbe.httpGet.path, '/v1/ping');
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assert.equal(containerPort(probe.httpGet.port), files.splitAddress(config.http.listen).port);
  }
});

// The image's HEALTHCHECK runs `kvctl ping`, whose route is kvctl's own: `make image-test` runs it.
test('the probes and the scrape path are routes kvnode answers', async () => {
  const monitor = files.findObject(manifests, 'ServiceMonitor');
  const paths = [
    container.readinessProbe.httpGet.path,
    container.livenessProbe.httpGet.path,
    monitor.spec.endpoints[0].path,
  ];
  // In memory, on ports of the system's choosing: only the routes matter here.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvnode-routes-'));
  const node = startKvnode(
    ['--http-listen', '127.0.0.1:0', '--feed-endpoint', 'tcp://127.0.0.1:*'],
    scratch,
  );
  try {
    const port = await servingPort(node, 15000);
    for (const route of paths) await waitForStatus(node, port, route, 200, 5000);
    assert.equal((await request('GET', port, '/v1/no-such-route')).status, 404);
  } finally {
    node.child.kill('SIGKILL');
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

test('the grace period covers the preStop pause, the drain and the requests in flight', () => {
  const [sleep, seconds] = container.lifecycle.preStop.exec.command;
  assert.equal(sleep, 'sleep');
  const preStopSeconds = Number(seconds);
  assert.ok(preStopSeconds > 0);
  assert.ok(config.http.drain_seconds > 0);
  assert.ok(
    pod.spec.terminationGracePeriodSeconds >
      preStopSeconds + config.http.drain_seconds + requestTimeoutSeconds,
  );
});

test('the pod runs as the image user, non-root, on a read-only root filesystem', () => {
  const [runtime] = files.loadDockerfile().slice(-1);
  const [user, group] = files.instructionArgs(runtime, 'USER')[0].split(':').map(Number);
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  assert.equal(pod.spec.securityContext.runAsUser, user);
  assert.equal(pod.spec.securityContext.runAsGroup, group);
  assert.notEqual(user, 0);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
});

test('the container has CPU and memory requests and limits', () => {
  for (const bound of ['requests', 'limits']) {
    assert.ok(container.resources[bound].cpu, `${bound}.cpu`);
    assert.ok(container.resources[bound].memory, `${bound}.memory`);
  }
});

test('both Services select the pod and name its ports; the headless one governs', () => {
  const all = services();
  assert.equal(all.length, 2);
  for (const service of all) {
    assert.ok(labelsMatch(service.spec.selector, pod.metadata.labels), service.metadata.name);
    for (const port of service.spec.ports) containerPort(port.targetPort);
  }
  const headless = headlessService();
  const client = all.find((s) => s !== headless);
  assert.equal(headless.metadata.name, statefulSet.spec.serviceName);
  // Raft is between the members alone: clients have no use for it.
  assert.deepEqual(headless.spec.ports.map((p) => p.name).sort(), ['feed', 'http', 'raft']);
  assert.deepEqual(client.spec.ports.map((p) => p.name).sort(), ['feed', 'http']);
});

test('the Ingress sends the API to the client Service', () => {
  const client = services().find((s) => s.spec.clusterIP !== 'None');
  const ingress = files.findObject(manifests, 'Ingress');
  const paths = ingress.spec.rules.flatMap((rule) => rule.http.paths);
  assert.ok(paths.some((p) => p.path === '/v1' && p.pathType === 'Prefix'));
  for (const { backend } of paths) {
    assert.equal(backend.service.name, client.metadata.name);
    assert.ok(client.spec.ports.some((p) => p.name === backend.service.port.name));
  }
});

test('the ServiceMonitor scrapes /metrics through the client Service alone', () => {
  const client = services().find((s) => s.spec.clusterIP !== 'None');
  const monitor = files.findObject(manifests, 'ServiceMonitor');
  const selected = services().filter((s) =>
    labelsMatch(monitor.spec.selector.matchLabels, s.metadata.labels),
  );
  // Selecting the headless Service too would scrape the same pod twice.
  assert.deepEqual(
    selected.map((s) => s.metadata.name),
    [client.metadata.name],
  );
  const [endpoint] = monitor.spec.endpoints;
  assert.equal(endpoint.path, '/metrics');
  assert.ok(client.spec.ports.some((p) => p.name === endpoint.port));
});

// Two of three members are a majority: evicting a second one at once would stop every write.
test('the PodDisruptionBudget covers the pods and lets one go at a time', () => {
  const budget = files.findObject(manifests, 'PodDisruptionBudget');
  assert.ok(labelsMatch(budget.spec.selector.matchLabels, pod.metadata.labels));
  assert.equal(budget.spec.maxUnavailable, 1);
  assert.equal(budget.spec.minAvailable, undefined);
});
