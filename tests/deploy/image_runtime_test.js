// The container image, checked without a container engine: the Dockerfile's stages, and whether
// its runtime stage installs the Debian package of every shared library kvnode and kvctl load.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { test } = require('node:test');

const files = require('./deploy_files');

const binaries = [process.env.KVNODE_BINARY, process.env.KVCTL_BINARY];
// Made by scripts/image/base-image.sh, as no registry may be reachable.
const baseImage = 'localhost/kvactor-base:bookworm';
// Already in every Debian base image, as apt itself needs them.
const basePackages = ['libc6', 'libgcc-s1', 'libstdc++6'];

const kvctlPath = '/usr/local/bin/kvctl';
const stages = files.loadDockerfile();
const [build, runtime] = stages;
const config = files.parseToml(files.containerConfigText());

function onlyArgs(stage, keyword) {
  const args = files.instructionArgs(stage, keyword);
  assert.equal(args.length, 1, `one ${keyword} in the ${stage.name} stage`);
  return args[0];
}

// The files of every shared library kvnode loads, as ldd resolves them on this machine.
function sharedLibraries(binary) {
  const output = execFileSync('ldd', [binary], { encoding: 'utf8' });
  return output
    .split('\n')
    .map((line) => /(?:=>\s*)?(\/\S+)\s+\(0x/.exec(line))
    .filter(Boolean)
    .map((match) => match[1]);
}

// The Debian package of each library file, from one dpkg -S (it is slow to start). ldd may
// print /usr/lib where dpkg recorded /lib (merged /usr), or a symlink where dpkg recorded its
// target, so each file is looked up by every spelling.
function owningPackages(libraries) {
  const spellingsOf = new Map();
  for (const file of libraries) {
    const real = fs.realpathSync(file);
    const spellings = new Set();
    for (const name of [file, real]) {
      spellings.add(name);
      spellings.add(name.startsWith('/usr/') ? name.slice(4) : `/usr${name}`);
    }
    spellingsOf.set(file, [...spellings]);
  }
  // dpkg -S exits 1 when some spelling is unknown, and still prints the ones it knows.
  const result = spawnSync('dpkg', ['-S', ...[...spellingsOf.values()].flat()], {
    encoding: 'utf8',
  });
  const ownerOf = new Map();
  for (const line of result.stdout.split('\n')) {
    const match = /^([^:,\s]+)(?::[^,:\s]+)?: (.*)$/.exec(line);
    if (match) ownerOf.set(match[2], match[1]);
  }
  return libraries.map((library) => {
    const spelling = spellingsOf.get(library).find((name) => ownerOf.has(name));
    return { library, owner: spelling ? ownerOf.get(spelling) : null };
  });
}

const programsBuilt = binaries.every(Boolean);
const libraryOwners = programsBuilt
  ? owningPackages([...new Set(binaries.flatMap(sharedLibraries))])
  : [];

test('two stages on the local Debian 12 base; the build one runs make\'s install script', () => {
  assert.equal(stages.length, 2);
  assert.equal(build.from, baseImage);
  assert.equal(runtime.from, baseImage);
  const runs = files.instructionArgs(build, 'RUN');
  assert.ok(runs.some((r) => r.startsWith('scripts/install-deps.sh')));
  assert.ok(runs.some((r) => r.includes('--target kvnode kvctl')));
});

test('the runtime stage installs the packages of the runtime list', () => {
  const listName = path.basename(files.runtimePackagesFile);
  assert.ok(files.instructionArgs(runtime, 'COPY').includes(`${files.runtimePackagesFile} /tmp/`));
  const install = files.instructionArgs(runtime, 'RUN').find((r) => r.includes('apt-get install'));
  assert.ok(install && install.includes(`/tmp/${listName}`), 'apt-get install reads the list');
  assert.ok(install.includes('--no-install-recommends'));
});

// In a later layer, deleting them would not make the image any smaller.
test('the runtime stage drops apt\'s lists and caches in the layer that installs', () => {
  const install = files.instructionArgs(runtime, 'RUN').find((r) => r.includes('apt-get install'));
  assert.match(install, /apt-get clean/);
  assert.match(install, /rm -rf [^&]*\/var\/lib\/apt\/lists\/\*/);
});

test('the runtime stage runs kvnode as a non-root user on its config and data volume', () => {
  const [user] = onlyArgs(runtime, 'USER').split(':').map(Number);
  assert.ok(Number.isInteger(user) && user !== 0, 'a numeric non-root user');
  const entrypoint = JSON.parse(onlyArgs(runtime, 'ENTRYPOINT'));
  const command = JSON.parse(onlyArgs(runtime, 'CMD'));
  const copies = files.instructionArgs(runtime, 'COPY');
  assert.ok(copies.includes(`--from=${build.name} /src/build/release/bin/kvnode ${entrypoint[0]}`));
  assert.ok(copies.includes(`--from=${build.name} /src/build/release/bin/kvctl ${kvctlPath}`));
  assert.equal(command[0], '--config');
  assert.ok(copies.includes(`deploy/kvnode.toml ${command[1]}`));
  assert.equal(onlyArgs(runtime, 'VOLUME'), config.node.data_dir);
});

test('the runtime stage exposes the HTTP and feed ports and pings with kvctl', () => {
  const http = files.splitAddress(config.http.listen).port;
  const feed = files.splitAddress(config.feed.zmq_endpoint).port;
  const exposed = onlyArgs(runtime, 'EXPOSE').split(/\s+/).map(Number);
  assert.deepEqual(exposed.sort(), [http, feed].sort());
  const [, command] = /\bCMD\s+(\[.*\])$/.exec(onlyArgs(runtime, 'HEALTHCHECK'));
  const args = JSON.parse(command);
  assert.equal(args[0], kvctlPath);
  assert.equal(args[args.indexOf('--url') + 1], `http://127.0.0.1:${http}`);
  assert.equal(args.at(-1), 'ping');
});

test('the runtime stage installs the package of every shared library kvnode and kvctl load', () => {
  assert.ok(programsBuilt, 'KVNODE_BINARY and KVCTL_BINARY name the built programs');
  assert.ok(libraryOwners.length > 0, 'ldd found no libraries');
  const listed = new Set([...files.runtimePackages(), ...basePackages]);
  const missing = libraryOwners.filter(({ owner }) => !listed.has(owner));
  assert.deepEqual(missing, [], `add these packages to ${files.runtimePackagesFile}`);
});

test('the runtime list holds no package that neither kvnode nor kvctl loads', () => {
  assert.ok(libraryOwners.length > 0, 'ldd found no libraries');
  const needed = new Set(libraryOwners.map(({ owner }) => owner));
  const extra = files.runtimePackages().filter((p) => !needed.has(p));
  assert.deepEqual(extra, []);
});
