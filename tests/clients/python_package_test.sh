#!/usr/bin/env bash
# The Python client as a package: clients/python is built and installed from its
# pyproject.toml (setuptools, offline, into a directory of the build tree), and the installed
# copy must import without the source tree, carry its py.typed and report its version.
# Exit 77 (ctest's skip) where pip or setuptools is missing.
# Usage: python_package_test.sh PYTHON BUILD_DIR
set -euo pipefail
python=$1
work="$2/python-package-test"
if ! "$python" -c 'import setuptools' >/dev/null 2>&1 ||
  ! "$python" -m pip --version >/dev/null 2>&1; then
  echo "SKIP: $python has no pip or setuptools (Debian's python3-pip, python3-setuptools)"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
# A copy, so that the build's egg-info and build/ stay out of the source tree.
cp -r "$(dirname "$0")/../../clients/python" "$work/src"
rm -rf "$work/src/tests"
PIP_ROOT_USER_ACTION=ignore "$python" -m pip install --quiet --disable-pip-version-check \
  --no-deps --no-build-isolation --no-index --no-cache-dir --target "$work/site" "$work/src"
cd "$work"
PYTHONPATH="$work/site" PYTHONDONTWRITEBYTECODE=1 "$python" - "$work/site" <<'PY'
import importlib.metadata
import os
import sys

import kvactor

site = sys.argv[1]
failures = []
if not kvactor.__file__.startswith(site):
    failures.append(f"kvactor was imported from {kvactor.__file__}, not the installed copy")
if not os.path.exists(os.path.join(os.path.dirname(kvactor.__file__), "py.typed")):
    failures.append("the installed package has no py.typed")
installed = importlib.metadata.version("kvactor")
if installed != kvactor.__version__:
    failures.append(f"the package's version {installed} is not kvactor.__version__ "
                    f"{kvactor.__version__}")
client = kvactor.Client("http://127.0.0.1:1", timeout=1)
try:
    client.ping()
    failures.append("a ping of a closed port succeeded")
except kvactor.Unreachable:
    pass
for failure in failures:
    print("FAIL:", failure)
print(f"{0 if failures else 1} passed, {1 if failures else 0} failed")
sys.exit(1 if failures else 0)
PY
