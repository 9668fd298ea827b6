// A container's command line run on this machine as the kubelet runs it in a pod: the same
// program and arguments, with the container's paths moved to local dirs (its volumes) and the
// image's ENTRYPOINT moved to a stand-in that records how it was called, then runs the built
// kvnode in its place or ends there.
'use strict';

const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const files = require('./deploy_files');

const [runtimeStage] = files.loadDockerfile().slice(-1);
// The program the image installs and starts: the one a pod's command line must end up in.
const entrypoint = JSON.parse(files.instructionArgs(runtimeStage, 'ENTRYPOINT')[0])[0];
const workdir = files.instructionArgs(runtimeStage, 'WORKDIR')[0];

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// `text` with every container path under one of `relocations` ([containerPath, localPath])
// moved. A path starts a word (after a space, a quote or `=`) and continues with `/` or ends
// the word, so /data moves /data/raft but not /database. One pass: a moved path is not moved
// again.
function relocatePaths(text, relocations) {
  const byLength = [...relocations].sort(([a], [b]) => b.length - a.length);
  const to = new Map(byLength);
  const pattern = new RegExp(
    `(^|[\\s"'=])(${byLength.map(([from]) => escapeRegExp(from)).join('|')})(?=[/\\s"';]|$)`,
    'gm',
  );
  return text.replace(pattern, (match, before, from) => before + to.get(from));
}

// The container's volume mounts moved to folders of `volumesDir`, each named as its volume.
function volumeRelocations(container, volumesDir) {
  return container.volumeMounts.map((mount) => [
    mount.mountPath,
    path.join(volumesDir, mount.name),
  ]);
}

// Writes at `file` a program that records its process id and arguments in `recordFile`, one a
// line, then becomes `then` (a program path, with the same arguments) or exits 0.
function writeStandIn(file, recordFile, then) {
  const quote = (text) => `'${text.replaceAll("'", `'\\''`)}'`;
  const lines = [
    '#!/bin/sh',
    `{ echo "$$"; for arg in "$@"; do printf '%s\\n' "$arg"; done; } > ${quote(recordFile)}`,
    then ? `exec ${quote(then)} "$@"` : 'exit 0',
  ];
  fs.writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o755 });
}

// What a stand-in recorded: { pid, args }.
function readRecord(recordFile) {
  assert.ok(fs.existsSync(recordFile), `the command line never ran ${entrypoint}`);
  const [pid, ...args] = fs.readFileSync(recordFile, 'utf8').split('\n').slice(0, -1);
  return { pid: Number(pid), args };
}

// The argv of the container's command line (command, then args), relocated.
function podArgv(container, relocations) {
  const argv = [...(container.command || [entrypoint]), ...(container.args || [])];
  return argv.map((word) => relocatePaths(word, relocations));
}

// The environment the kubelet gives the pod's container, as far as the command line uses it.
function podEnv(podName) {
  return { PATH: process.env.PATH, HOSTNAME: podName };
}

// How pod `podName` starts: its container's command line run on new, empty volumes (which
// `prepare(volumeRelocations)` may fill first), with a stand-in for the ENTRYPOINT that only
// records. { pid, shellPid, args }: the ENTRYPOINT's process and arguments, the latter with the
// container's paths, and the process the command line started in.
function recordStart(container, podName, prepare = () => {}) {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kvnode-pod-'));
  try {
    const standIn = path.join(scratch, 'kvnode');
    const recordFile = path.join(scratch, 'argv');
    writeStandIn(standIn, recordFile);
    const volumes = volumeRelocations(container, path.join(scratch, 'volumes'));
    for (const [, localPath] of volumes) fs.mkdirSync(localPath, { recursive: true });
    prepare(volumes);
    const [program, ...args] = podArgv(container, [...volumes, [entrypoint, standIn]]);
    const run = spawnSync(program, args, {
      cwd: relocatePaths(workdir, volumes),
      env: podEnv(podName),
      encoding: 'utf8',
    });
    assert.equal(run.status, 0, run.stderr);
    const record = readRecord(recordFile);
    const back = volumes.map(([containerPath, localPath]) => [localPath, containerPath]);
    return {
      pid: record.pid,
      shellPid: run.pid,
      args: record.args.map((arg) => relocatePaths(arg, back)),
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

module.exports = {
  entrypoint,
  workdir,
  relocatePaths,
  volumeRelocations,
  writeStandIn,
  readRecord,
  podArgv,
  podEnv,
  recordStart,
};
