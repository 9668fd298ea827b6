// The overlay deploy/kubernetes/secure: its patches applied to the base manifests as kustomize
// applies them (RFC 6902), the result valid, and kvnode run on the config it mounts, with
// certificates and a tokens file made here, answering the probes and the scrape it declares.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const https = require('node:https');
const os = require('node:os');
const path = require('node:path');
const { test, after } = require('node:test');
const jsonpatch = require('fast-json-patch');

const files = require('./deploy_files');
const { startKvnode, request } = require('./kvnode_process');
const pods = require('./pod_command');

const overlay = 'secure';
const kustomization = files.loadKustomization(overlay);
const secureConfigFile = 'deploy/kvnode-secure.toml';

// The base objects with the overlay's patches applied, each patch to exactly one target.
function patchedManifests() {
  const objects = files.loadManifests().map((entry) => structuredClone(entry.object));
  for (const { path: patchFile, target } of kustomization.patches) {
    const matching = objects.filter(
      (o) => o.kind === target.kind && o.metadata.name === target.name,
    );
    assert.equal(matching.length, 1, `${patchFile}: ${target.kind} ${target.name}`);
    const operations = files.loadOverlayFile(overlay, patchFile);
    assert.equal(jsonpatch.validate(operations, matching[0]), undefined, patchFile);
    jsonpatch.applyPatch(matching[0], operations, true, true);
  }
  return objects.map((object) => ({ object }));
}

const manifests = patchedManifests();
const statefulSet = files.findObject(manifests, 'StatefulSet');
const podSpec = statefulSet.spec.template.spec;
const container = podSpec.containers.find((c) => c.name === 'kvnode');
const monitor = files.findObject(manifests, 'ServiceMonitor');
const secureConfigText = files.readSource(secureConfigFile);
const secureConfig = files.parseToml(secureConfigText);

// The secret volume mounted at the folder of `file`, and the key the file is in it.
function secretOf(file) {
  const mount = container.volumeMounts.find((m) => path.dirname(file) === m.mountPath);
  assert.ok(mount, `${file} is on no volume`);
  const volume = podSpec.volumes.find((v) => v.name === mount.name);
  assert.ok(volume.secret, `${file} is not on a Secret's volume`);
  return { secretName: volume.secret.secretName, key: path.basename(file), mount };
}

test('the overlay is the base plus patches, each file of its folder used once', () => {
  assert.deepEqual(kustomization.resources, ['..']);
  const patchFiles = kustomization.patches.map((p) => p.path).sort();
  const folder = path.join(files.sourceDir, 'deploy', 'kubernetes', overlay);
  const yamlFiles = fs.readdirSync(folder).filter((n) => n !== 'kustomization.yaml');
  assert.deepEqual(patchFiles, yamlFiles.sort());
});

test('every patched manifest is valid against the schema of its kind', () => {
  for (const { object } of manifests) {
    const Model = files.modelOf(object);
    assert.doesNotThrow(() => new Model(object).validate(), object.kind);
  }
});

test('the ConfigMap holds kvnode-secure.toml word for word, and the image carries it', () => {
  const configMap = files.findObject(manifests, 'ConfigMap');
  assert.equal(configMap.data['kvnode.toml'], secureConfigText);
  const [runtimeStage] = files.loadDockerfile().slice(-1);
  const copies = files.instructionArgs(runtimeStage, 'COPY');
  assert.ok(copies.some((args) => args.startsWith(`${secureConfigFile} /etc/kvnode/`)), copies);
});

test('the secure config keeps every base setting but the feed, which stays in the pod', () => {
  const base = files.parseToml(files.containerConfigText());
  for (const [table, settings] of Object.entries(base)) {
    for (const [key, value] of Object.entries(settings)) {
      if (table === 'feed' && key === 'zmq_endpoint') continue;
      assert.deepEqual(secureConfig[table][key], value, `${table}.${key}`);
    }
  }
  assert.equal(files.splitAddress(secureConfig.feed.zmq_endpoint).host, '127.0.0.1');
});

// Members would forward values and tokens to each other in plain HTTP (docs/cluster.md).
test('the patched StatefulSet runs one standalone kvnode, on the config it mounts', () => {
  assert.equal(statefulSet.spec.replicas, 1);
  assert.equal(secureConfig.cluster, undefined, `${secureConfigFile} has a [cluster] table`);
  const start = pods.recordStart(container, `${statefulSet.metadata.name}-0`);
  assert.equal(start.pid, start.shellPid, `${pods.entrypoint} is not the container's process`);
  const [configOption, configFile, ...rest] = start.args;
  assert.equal(configOption, '--config');
  assert.deepEqual(rest, [], 'nothing but --config: no --cluster-node-id, no --bootstrap');
  const mount = container.volumeMounts.find((m) => path.dirname(configFile) === m.mountPath);
  assert.ok(mount, `--config ${configFile} is on no volume`);
  const volume = podSpec.volumes.find((v) => v.name === mount.name);
  const configMap = files.findObject(manifests, 'ConfigMap', volume.configMap.name);
  assert.equal(configMap.data[path.basename(configFile)], secureConfigText);
});

test('the certificate, its key and the tokens file come from Secrets, read-only', () => {
  const tls = secureConfig.http.tls;
  const certificate = secretOf(tls.cert_file);
  const key = secretOf(tls.key_file);
  assert.equal(certificate.secretName, key.secretName);
  // Secrets of type kubernetes.io/tls, as `kubectl create secret tls` makes them.
  assert.deepEqual([certificate.key, key.key], ['tls.crt', 'tls.key']);
  const tokens = secretOf(secureConfig.auth.tokens_file);
  assert.notEqual(tokens.secretName, certificate.secretName);
  for (const { mount } of [certificate, tokens]) assert.equal(mount.readOnly, true);
});

test('the probes speak TLS; Prometheus verifies the node and sends a token', () => {
  for (const probe of [container.readinessProbe, container.livenessProbe]) {
    assert.equal(probe.httpGet.scheme, 'HTTPS');
  }
  const [endpoint] = monitor.spec.endpoints;
  assert.equal(endpoint.scheme, 'https');
  const tlsSecret = secretOf(secureConfig.http.tls.cert_file).secretName;
  assert.equal(endpoint.tlsConfig.ca.secret.name, tlsSecret);
  assert.ok(endpoint.bearerTokenSecret.name && endpoint.bearerTokenSecret.key);
  const ingress = files.findObject(manifests, 'Ingress');
  const annotations = ingress.metadata.annotations;
  assert.equal(annotations['nginx.ingress.kubernetes.io/backend-protocol'], 'HTTPS');
});

// --- kvnode on the overlay's config ---

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvnode-secure-'));
let node = null;
after(() => {
  if (node) node.child.kill('SIGKILL');
  fs.rmSync(scratch, { recursive: true, force: true });
});

// A CA and a server certificate for the name the ServiceMonitor checks, made by openssl, laid
// out as the TLS Secret's volume; and the tokens Secret with one token for Prometheus.
function makeSecrets(tlsDir, tokensDir, metricsToken) {
  fs.mkdirSync(tlsDir, { recursive: true });
  fs.mkdirSync(tokensDir, { recursive: true });
  const run = (...args) => execFileSync('openssl', args, { cwd: tlsDir, stdio: 'pipe' });
  const serverName = monitor.spec.endpoints[0].tlsConfig.serverName;
  run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=test-ca', '-days', '2');
  run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'tls.key', '-out', 'tls.csr', '-subj', `/CN=${serverName}`);
  fs.writeFileSync(path.join(tlsDir, 'san.ext'), `subjectAltName=DNS:${serverName}\n`);
  run('x509', '-req', '-in', 'tls.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '2', '-extfile', 'san.ext', '-out', 'tls.crt');
  const digest = crypto.createHash('sha256').update(metricsToken).digest('hex');
  fs.writeFileSync(
    path.join(tokensDir, 'tokens.toml'),
    `[[token]]\nname = "prometheus"\nsha256 = "${digest}"\n` +
      'rules = [{prefix = "metrics", access = "read"}]\n',
  );
}

function httpsGet(port, urlPath, options) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: urlPath, agent: false, timeout: 2000, ...options },
      (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

test('kvnode on that config answers probes over TLS and Prometheus with its token', async () => {
  const relocations = [
    ['/data', path.join(scratch, 'data')],
    ['/run/secrets/kvnode-tls', path.join(scratch, 'tls')],
    ['/run/secrets/kvnode-tokens', path.join(scratch, 'tokens')],
  ];
  let configText = secureConfigText;
  for (const [from, to] of relocations) configText = configText.replaceAll(`"${from}`, `"${to}`);
  fs.mkdirSync(path.join(scratch, 'data'));
  const metricsToken = crypto.randomBytes(24).toString('hex');
  makeSecrets(relocations[1][1], relocations[2][1], metricsToken);
  const configPath = path.join(scratch, 'kvnode.toml');
  fs.writeFileSync(configPath, configText);

  node = startKvnode(['--config', configPath], scratch);
  const port = container.ports.find((p) => p.name === 'http').containerPort;
  // As the kubelet probes: TLS without verifying the certificate, and no token.
  const probe = (spec) => httpsGet(port, spec.httpGet.path, { rejectUnauthorized: false });
  const deadline = Date.now() + 15000;
  for (;;) {
    assert.equal(node.exit, null, node.stderr);
    const reply = await probe(container.readinessProbe).catch(() => null);
    if (reply && reply.status === 200) break;
    assert.ok(Date.now() < deadline, `readiness never answered 200\n${node.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal((await probe(container.livenessProbe)).status, 200);

  const verified = {
    ca: fs.readFileSync(path.join(relocations[1][1], 'ca.crt')),
    servername: monitor.spec.endpoints[0].tlsConfig.serverName,
  };
  const scrapePath = monitor.spec.endpoints[0].path;
  assert.equal((await httpsGet(port, scrapePath, verified)).status, 401);
  const scrape = await httpsGet(port, scrapePath, {
    ...verified,
    headers: { Authorization: `Bearer ${metricsToken}` },
  });
  assert.equal(scrape.status, 200);
  assert.match(scrape.body, /^kv_build_info\{/m);
  assert.equal((await httpsGet(port, '/v1/keys/a', verified)).status, 401);
  await assert.rejects(request('GET', port, '/v1/ping'), 'plain HTTP is refused');
  assert.ok(!node.stderr.includes(metricsToken), 'the token is never logged');
});
