#!/usr/bin/env bash
# The Node matrix: the packages support Node 20, 22 and 24 (`engines`). The README test command
# runs every test on the machine's Node (20 here); this script runs them again on Node 22 and 24,
# whose binaries come from the npm registry's `node` package through npx.
#
#   bash scripts/test-node-matrix.sh            every vitest project but the type tests (tsc
#                                               gives the same answer on every Node), emulator
#                                               suites included: they are the only tests of the
#                                               Google SDK clients (gRPC over HTTP/2), the code
#                                               most likely to change with Node. About 1.5 min
#                                               per Node; as in the README test, a missing gcloud
#                                               skips them loudly, and fails under CI=true
#   bash scripts/test-node-matrix.sh --skip-emulators
#                                               the same without the emulator suites
#                                               (PIPEWELL_EMULATORS=skip): about 20 s per Node
#   bash scripts/test-node-matrix.sh consumers  the consumer test (packed tarballs installed into
#                                               ESM and CommonJS projects, built and run) on each
#                                               Node; needs `pnpm build` first and must run
#                                               through pnpm, as the consumer test itself must
#
# PIPEWELL_NODE_VERSIONS="22 24" picks the versions. Every version runs even when one fails; the
# script exits non-zero if any test failed on any Node.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=unit
emulators=${PIPEWELL_EMULATORS:-auto}
for arg in "$@"; do
  case "$arg" in
    unit | consumers) mode=$arg ;;
    --skip-emulators) emulators=skip ;;
    *)
      echo "test-node-matrix: unknown argument '$arg' (expected unit, consumers or --skip-emulators)" >&2
      exit 2
      ;;
  esac
done
read -r -a versions <<<"${PIPEWELL_NODE_VERSIONS:-22 24}"

# The binary of one Node major. npx installs the `node` package once into its cache
# (~/.npm/_npx), so the unit and consumer steps of one CI run download each version once.
node_binary() {
  local bin
  # Without the settings pnpm exports for itself, which npm warns about on every call.
  bin=$(env -u npm_config_npm_globalconfig -u npm_config_verify_deps_before_run \
    -u npm_config__jsr_registry npx -y "node@$1" -p 'process.execPath')
  local actual
  actual=$("$bin" -p 'process.versions.node')
  if [ "${actual%%.*}" != "$1" ]; then
    echo "test-node-matrix: npx node@$1 gave Node $actual" >&2
    return 1
  fi
  printf '%s' "$bin"
}

failed=()
summary=()
for version in "${versions[@]}"; do
  printf '\n--- Node %s: %s ---\n' "$version" "$mode"
  started=$SECONDS
  if ! bin=$(node_binary "$version"); then
    summary+=("Node $version: no binary from npx node@$version")
    failed+=("Node $version")
    continue
  fi
  actual=$("$bin" --version)
  # Its directory first on PATH, so whatever the tests spawn as `node` (npm, tsc, child
  # processes) is this version too.
  export_path="$(dirname "$bin"):$PATH"
  status=0
  if [ "$mode" = unit ]; then
    PATH=$export_path PIPEWELL_EMULATORS=$emulators \
      "$bin" node_modules/vitest/vitest.mjs run --project '!types' || status=$?
  else
    if [ -z "${npm_execpath:-}" ]; then
      echo "test-node-matrix: run the consumers step through pnpm (pnpm run test:node-matrix consumers)" >&2
      exit 2
    fi
    PATH=$export_path "$bin" scripts/consumer-test.mjs || status=$?
  fi
  took=$((SECONDS - started))
  if [ "$status" -eq 0 ]; then
    summary+=("Node $actual: $mode passed (${took}s)")
  else
    summary+=("Node $actual: $mode FAILED (${took}s)")
    failed+=("Node $actual")
  fi
done

printf '\nNode matrix (%s):\n' "$mode"
printf '  %s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'test-node-matrix: failed on %s\n' "${failed[*]}" >&2
  exit 1
fi
