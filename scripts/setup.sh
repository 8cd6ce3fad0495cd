#!/usr/bin/env bash
# Prepares a fresh clone: system packages Rafka needs (when absent and installable), then npm ci.
#   bash scripts/setup.sh          # to run the broker: Debian's zookeeper for --local-zookeeper
#   bash scripts/setup.sh --test   # to run the tests too: + kcat, python3-kafka (+ its codecs), chromium
#                                  (exits 1 when it cannot install them: a test prerequisite is never optional)
set -euo pipefail
cd "$(dirname "$0")/.."

ZK_JAR=/usr/share/java/zookeeper.jar
export DEBIAN_FRONTEND=noninteractive
want_tests=false
[ "${1:-}" = "--test" ] && want_tests=true

print_versions() {
  echo "node: $(node --version 2>/dev/null || echo absent)"
  echo "npm: $(npm --version 2>/dev/null || echo absent)"
  echo "java: $(command -v java >/dev/null 2>&1 && java -version 2>&1 | head -n 1 || echo absent)"
  if [ -f "$ZK_JAR" ]; then
    echo "zookeeper jar: $(readlink -f "$ZK_JAR") (package $(dpkg-query -W -f='${Version}' zookeeper 2>/dev/null || echo '?'))"
  else
    echo "zookeeper jar: absent"
  fi
  if $want_tests; then
    echo "kcat: $(command -v kcat >/dev/null 2>&1 && kcat -V 2>&1 | grep -m 1 -o 'Version [^ ]*' || echo absent)"
    echo "python3-kafka: $(/usr/bin/python3 -c 'import kafka; print(kafka.__version__)' 2>/dev/null || echo absent)"
    echo "chromium: $( [ -x /usr/bin/chromium ] && /usr/bin/chromium --version 2>/dev/null || echo absent)"
    echo "prometheus: $(command -v prometheus >/dev/null 2>&1 && prometheus --version 2>&1 | head -n 1 || echo absent)"
  fi
}

# Each entry: the Debian package, and a check that it is already usable.
missing=()
{ command -v java >/dev/null 2>&1 && [ -f "$ZK_JAR" ]; } || missing+=(zookeeper)
if $want_tests; then
  command -v kcat >/dev/null 2>&1 || missing+=(kcat)
  /usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
  # kafka-python's own snappy/lz4/zstd support, for the compression cross-checks
  /usr/bin/python3 -c 'import snappy, lz4, zstandard, xxhash' >/dev/null 2>&1 || missing+=(python3-snappy python3-lz4 python3-zstandard python3-xxhash)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v ss >/dev/null 2>&1 || missing+=(iproute2)   # ss: the socket server's listen backlog test
  # a real Prometheus scrapes /metrics, promtool checks the exposition (test/integration/metrics-prometheus.test.ts)
  { command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || missing+=(prometheus)
  command -v make >/dev/null 2>&1 || missing+=(make)     # node-gyp builds native/ (npm ci) with make + cc
  # the power-cut tests' FUSE filesystem (test/helpers/lazyfs): libfuse3 headers, a C compiler, fusermount3
  { command -v cc >/dev/null 2>&1 && command -v pkg-config >/dev/null 2>&1 && pkg-config --exists fuse3 && command -v fusermount3 >/dev/null 2>&1; } || missing+=(gcc libc6-dev pkg-config libfuse3-dev fuse3)
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "=== system packages already present"
elif command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" = 0 ] || command -v sudo >/dev/null 2>&1; }; then
  SUDO=(); [ "$(id -u)" = 0 ] || SUDO=(sudo)
  echo "=== installing system packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update
  "${SUDO[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "=== cannot install ${missing[*]} here (no apt-get or no root): install them yourself" >&2
  # The tests fail (under CI) without them: stop here rather than let `&& npm test` start a run that cannot pass.
  if $want_tests; then exit 1; fi
fi
print_versions

echo "=== npm ci"
npm ci
if $want_tests && [ ! -f native/build/Release/rafka_native.node ]; then
  echo "=== the native addon (native/) did not build, and tests need it: see npm ci's output above" >&2
  exit 1
fi

if $want_tests; then
  echo "=== building test/helpers/lazyfs (FUSE filesystem for the power-cut tests)"
  mkdir -p test/helpers/lazyfs/build
  cc -O2 -Wall -o test/helpers/lazyfs/build/lazyfs test/helpers/lazyfs/lazyfs.c $(pkg-config fuse3 --cflags --libs) -lpthread
fi
