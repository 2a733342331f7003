#!/usr/bin/env bash
# Builds @tensorflow/tfjs-node's native addon offline, against the TensorFlow C library inside a TensorFlow CPU
# Python wheel, instead of the libtensorflow download its install script insists on (it fails without internet).
# Idempotent: an addon that already loads is left alone. Where the package, the wheel or a compiler is missing it
# says so and exits 0, so CI and the wasm-only test run go on; the native tests then skip themselves with a note.
#
#   scripts/build-tfjs-node.sh [package dir]     default: node_modules/@tensorflow/tfjs-node
#   FABRIC_TF_WHEEL=/path/tensorflow_cpu-*.whl   which wheel (default: newest under /opt/pypi/files)
#   FABRIC_TFJS_NODE_REBUILD=1                   build even when an addon loads
set -uo pipefail
cd "$(dirname "$0")/.."

pkg="${1:-node_modules/@tensorflow/tfjs-node}"
note() { echo "build-tfjs-node: $*"; }

if [ ! -f "$pkg/package.json" ]; then
  note "$pkg is not installed (run npm ci first); nothing to build."
  exit 0
fi
pkg="$(cd "$pkg" && pwd)"

addon_loads() { node -e "require('$pkg/dist/index.js')" >/dev/null 2>&1; }
if [ "${FABRIC_TFJS_NODE_REBUILD:-0}" != "1" ] && addon_loads; then
  note "the native addon in $pkg already loads; nothing to do (FABRIC_TFJS_NODE_REBUILD=1 rebuilds)."
  exit 0
fi

wheel="${FABRIC_TF_WHEEL:-$(ls -1 /opt/pypi/files/tensorflow_cpu-*-manylinux*x86_64.whl 2>/dev/null | sort -V | tail -n 1)}"
if [ -z "$wheel" ] || [ ! -f "$wheel" ]; then
  note "no TensorFlow CPU wheel found (set FABRIC_TF_WHEEL=/path/tensorflow_cpu-*.whl); skipping. The wasm engine still works."
  exit 0
fi
for tool in g++ make python3 node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    note "'$tool' is not installed; the addon cannot be compiled here. Skipping; the wasm engine still works."
    exit 0
  fi
done
node_headers=/usr/include/node
if [ ! -f "$node_headers/node_api.h" ]; then
  node_headers="$(dirname "$(dirname "$(command -v node)")")/include/node"
fi
if [ ! -f "$node_headers/node_api.h" ]; then
  note "Node's C headers (node_api.h) are not installed; skipping. The wasm engine still works."
  exit 0
fi
nodedir="$(dirname "$(dirname "$node_headers")")"
node_gyp="$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js"
pre_gyp="$pkg/../../@mapbox/node-pre-gyp/bin/node-pre-gyp"
if [ ! -f "$pre_gyp" ]; then pre_gyp="$(cd "$pkg/../.." && pwd)/.bin/node-pre-gyp"; fi

started=$(date +%s)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
note "building from $(basename "$wheel") ..."

# The two shared libraries and the C headers; nothing else of the wheel is needed.
python3 - "$wheel" "$work" <<'PY' || { note "could not read the wheel $1"; exit 0; }
import sys, zipfile
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name in ('tensorflow/libtensorflow_cc.so.2', 'tensorflow/libtensorflow_framework.so.2') or (
            name.startswith('tensorflow/include/') and not name.endswith('/')):
            z.extract(name, out)
PY

deps="$pkg/deps"
rm -rf "$deps" "$pkg/lib" "$pkg/build"
mkdir -p "$deps/lib" "$deps/include"
# Only the headers the binding includes (g++ -MM lists them), not the wheel's 268 MB of C++ headers.
g++ -MM -std=c++17 -I"$work/tensorflow/include" -I"$node_headers" "$pkg"/binding/*.cc 2>"$work/mm.err" \
  | tr ' \\' '\n\n' | grep "^$work/tensorflow/include/" | sort -u > "$work/headers" || true
if [ ! -s "$work/headers" ]; then
  note "the wheel's headers do not fit the binding ($(head -c 400 "$work/mm.err")); skipping."
  exit 0
fi
while read -r header; do
  rel="${header#"$work/tensorflow/include/"}"
  mkdir -p "$deps/include/$(dirname "$rel")"
  cp "$header" "$deps/include/$rel"
done < "$work/headers"

# The addon links -ltensorflow -ltensorflow_framework; the sonames recorded are the wheel's (.so.2), found through
# the addon's RUNPATH ($ORIGIN/../../deps/lib). strip keeps the dynamic symbols and saves about 200 MB.
for lib in libtensorflow_cc.so.2 libtensorflow_framework.so.2; do
  mv "$work/tensorflow/$lib" "$deps/lib/$lib"
  strip --strip-unneeded "$deps/lib/$lib" 2>/dev/null || true
done
ln -sf libtensorflow_cc.so.2 "$deps/lib/libtensorflow.so"
ln -sf libtensorflow_framework.so.2 "$deps/lib/libtensorflow_framework.so"
# With this file present, the package's own install script (if it ever runs) skips its download.
ln -sf libtensorflow_cc.so.2 "$deps/lib/libtensorflow.so.2.9.1"

# A dead proxy makes any hidden download fail at once instead of hanging.
(
  cd "$pkg" &&
    HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 npm_config_node_gyp="$node_gyp" \
      node "$pre_gyp" install --build-from-source --nodedir="$nodedir" >"$work/build.log" 2>&1
) || {
  note "compiling the addon failed; last lines:"
  tail -n 20 "$work/build.log"
  exit 0
}

if addon_loads; then
  version=$(node -e "const tf=require('$pkg/dist/index.js'); console.log(tf.version['tfjs-node'] + ', TensorFlow ' + require('$pkg/dist/index.js').backend().binding.TF_Version)" 2>/dev/null)
  note "done in $(($(date +%s) - started)) s: $pkg ($version)."
else
  note "the addon was built but does not load:"
  node -e "require('$pkg/dist/index.js')" 2>&1 | tail -n 5
fi
exit 0
