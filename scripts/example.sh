#!/usr/bin/env bash
# The main job on the bundled example: installs what the build needs, builds schemagen,
# and prints the migration from the bundled migrations (supabase/migrations/) to the YAML
# tables (schema/). Extra arguments go to `schemagen diff`, e.g. --rollback or
# --format summary.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
if ! command -v cargo >/dev/null 2>&1 && [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
  export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi
bash scripts/setup.sh >&2
cargo build --quiet
status=0
./target/debug/schemagen diff "$@" || status=$?
# `diff` exits 2 when it found changes: that is the expected result here, not a failure.
if [ "$status" -eq 2 ]; then
  echo "example.sh: schemagen diff found changes (exit code 2)" >&2
  exit 0
fi
exit "$status"
