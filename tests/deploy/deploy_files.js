// The deploy files as the deploy tests read them: Kubernetes manifests by kind, the container
// and cluster configs, the Dockerfile's stages and instructions, and the runtime package list.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const TOML = require('smol-toml');
const YAML = require('yaml');

const sourceDir = path.resolve(__dirname, '..', '..');
const kubernetesDir = path.join(sourceDir, 'deploy', 'kubernetes');

function readSource(relativePath) {
  return fs.readFileSync(path.join(sourceDir, relativePath), 'utf8');
}

function parseYaml(text, where) {
  const documents = YAML.parseAllDocuments(text);
  for (const document of documents) {
    if (document.errors.length > 0) throw new Error(`${where}: ${document.errors[0].message}`);
  }
  return documents.map((document) => document.toJS());
}

// The file names of deploy/kubernetes that hold manifests: every YAML file but kustomize's own.
function manifestFiles() {
  return fs
    .readdirSync(kubernetesDir)
    .filter((name) => /\.ya?ml$/.test(name) && name !== 'kustomization.yaml')
    .sort();
}

// Every Kubernetes object of deploy/kubernetes, each with the file it came from.
function loadManifests() {
  return manifestFiles().flatMap((file) =>
    parseYaml(fs.readFileSync(path.join(kubernetesDir, file), 'utf8'), file).map((object) => ({
      file,
      object,
    })),
  );
}

// The schema model of an object's apiVersion and kind: Kubernetes' own from kubernetes-models,
// the Prometheus operator's from its CRD models.
function modelOf(object) {
  const group = object.apiVersion;
  const modelPath = group.endsWith('monitoring.coreos.com/v1')
    ? `@kubernetes-models/prometheus-operator/${group}/${object.kind}`
    : `kubernetes-models/${group}/${object.kind}`;
  const model = require(modelPath)[object.kind];
  if (!model) throw new Error(`no schema for ${group} ${object.kind}`);
  return model;
}

// The kustomization.yaml of deploy/kubernetes, or of an overlay in a folder of it.
function loadKustomization(overlay = '') {
  const file = path.join('deploy', 'kubernetes', overlay, 'kustomization.yaml');
  return parseYaml(readSource(file), file)[0];
}

// A YAML file of an overlay: its one document.
function loadOverlayFile(overlay, name) {
  const file = path.join('deploy', 'kubernetes', overlay, name);
  return parseYaml(readSource(file), file)[0];
}

// The one object of `kind` among the manifests (and, when given, named `name`).
function findObject(manifests, kind, name) {
  const found = manifests
    .map((entry) => entry.object)
    .filter((object) => object.kind === kind)
    .filter((object) => name === undefined || object.metadata.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}`);
  }
  return found[0];
}

// The container config, deploy/kvnode.toml (the image's default), as text.
function containerConfigText() {
  return readSource('deploy/kvnode.toml');
}

// The config of the StatefulSet's raft members, deploy/kvnode-cluster.toml, as text.
function clusterConfigText() {
  return readSource('deploy/kvnode-cluster.toml');
}

function parseToml(text) {
  return TOML.parse(text);
}

// "HOST:PORT" or "tcp://HOST:PORT" as { host, port }.
function splitAddress(address) {
  const match = /^(?:tcp:\/\/)?(.*):(\d+)$/.exec(address);
  if (!match) throw new Error(`not HOST:PORT: ${address}`);
  return { host: match[1], port: Number(match[2]) };
}

// The Dockerfile as stages: { from, name, instructions: [{ keyword, args }] }, with line
// continuations joined and comments dropped.
function loadDockerfile() {
  const logicalLines = readSource('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages = [];
  for (const line of logicalLines) {
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line);
    if (keyword.toUpperCase() === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      stages.push({ from: image, name, instructions: [] });
    } else {
      stages[stages.length - 1].instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

// The arguments of every `keyword` instruction of a stage.
function instructionArgs(stage, keyword) {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

// The Debian packages of the image's runtime stage, one a line, # starting a comment.
const runtimePackagesFile = 'scripts/runtime-packages.txt';
function runtimePackages() {
  return readSource(runtimePackagesFile)
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
}

module.exports = {
  sourceDir,
  readSource,
  manifestFiles,
  loadManifests,
  loadKustomization,
  loadOverlayFile,
  modelOf,
  findObject,
  containerConfigText,
  clusterConfigText,
  parseToml,
  splitAddress,
  loadDockerfile,
  instructionArgs,
  runtimePackagesFile,
  runtimePackages,
};
