#!/usr/bin/env bash
# Exercises the changesets flow on a throwaway clone of this repository:
#   - a change to a package without a changeset makes `changeset status` fail;
#   - with a changeset it passes;
#   - `changeset version` writes the changelog and bumps internal dependents;
#   - the private app is never versioned.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
changeset="$root/node_modules/.bin/changeset"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "changeset check: $*" >&2; exit 1; }
version_of() { node -p "require('./$1/package.json').version"; }

git clone -q "$root" "$tmp/repo"
cd "$tmp/repo"
git config user.email ci@pipewell.invalid
git config user.name "changeset check"
git checkout -q -B main

# Start from a released main: consume whatever changesets are pending.
"$changeset" version >/dev/null
git add -A && git commit -qm "release" --allow-empty
app_version=$(version_of apps/pipeline)
retry_version=$(version_of packages/retry)
heartbeat_version=$(version_of packages/heartbeat)

git checkout -q -b change
echo "// a change that needs a changeset" >> packages/retry/src/index.ts
git commit -qam "change retry"
if "$changeset" status --since=main >/dev/null 2>&1; then
  fail "status passed for a package change without a changeset"
fi
echo "changeset check: a change without a changeset fails 'changeset status' (as it should)"

cat > .changeset/check-retry.md <<'MD'
---
'@pipewell/retry': minor
---

Changeset check: a minor change to retry.
MD
git add -A && git commit -qm "add changeset"
"$changeset" status --since=main >/dev/null || fail "status failed although the change has a changeset"

"$changeset" version >/dev/null
new_retry=$(version_of packages/retry)
new_heartbeat=$(version_of packages/heartbeat)
[ "$new_retry" != "$retry_version" ] || fail "retry was not bumped ($retry_version)"
node -e "
const [a, b] = ['$retry_version', '$new_retry'].map((v) => v.split('.').map(Number));
if (!(b[0] > a[0] || (b[0] === a[0] && b[1] > a[1]))) { console.error('not a minor bump: $retry_version -> $new_retry'); process.exit(1); }
"
grep -q "Changeset check: a minor change to retry." packages/retry/CHANGELOG.md || fail "retry's changelog lacks the summary"
[ "$new_heartbeat" != "$heartbeat_version" ] || fail "heartbeat (depends on retry) was not bumped"
grep -q "@pipewell/retry@$new_retry" packages/heartbeat/CHANGELOG.md || fail "heartbeat's changelog does not name the new retry"
[ "$(version_of apps/pipeline)" = "$app_version" ] || fail "the private app was versioned"
[ -z "$(ls .changeset/*.md 2>/dev/null | grep -v README.md || true)" ] || fail "changesets were left behind"
echo "changeset check: retry $retry_version -> $new_retry with its changelog; heartbeat $heartbeat_version -> $new_heartbeat for the new retry; the app untouched"
