#!/usr/bin/env bash
# The project's one test command (CI runs it through .ci/run):
#   setup (apt packages) -> throwaway PostgreSQL -> cargo test --all-targets [ARGS...]
#   -> cargo fmt --check -> cargo clippy -D warnings -> stop PostgreSQL.
# Extra arguments go to `cargo test`, e.g. `bash scripts/test.sh --test pg_harness`.
# Exit status: 0 only if the tests, and fmt and clippy where installed, all pass.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

if ! command -v cargo >/dev/null 2>&1 && [ -x "${HOME:-/root}/.cargo/bin/cargo" ]; then
  export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi

bash scripts/setup.sh

# The tests read what schemagen prints; a CLICOLOR_FORCE in the environment must not colour
# it (the colour test sets the variables it needs itself).
export NO_COLOR=1

trap 'bash scripts/pg.sh stop || true' EXIT
bash scripts/pg.sh start
eval "$(bash scripts/pg.sh env)"
export SCHEMAGEN_PGHOST="$PGHOST" SCHEMAGEN_PGPORT="$PGPORT"
echo "test.sh: PostgreSQL at $SCHEMAGEN_PGHOST port $SCHEMAGEN_PGPORT"

status=0
failed=()

echo "test.sh: cargo test --all-targets $*"
if ! cargo test --all-targets "$@"; then
  status=1
  failed+=("cargo test")
fi

if cargo fmt --version >/dev/null 2>&1; then
  echo "test.sh: cargo fmt --all -- --check"
  if ! cargo fmt --all -- --check; then
    status=1
    failed+=("cargo fmt")
  fi
else
  echo "test.sh: note: rustfmt is not installed, skipping cargo fmt --check"
fi

if cargo clippy --version >/dev/null 2>&1; then
  echo "test.sh: cargo clippy --all-targets -- -D warnings"
  if ! cargo clippy --all-targets -- -D warnings; then
    status=1
    failed+=("cargo clippy")
  fi
else
  echo "test.sh: note: clippy is not installed, skipping cargo clippy"
fi

if [ "$status" -eq 0 ]; then
  echo "test.sh: all passed"
else
  echo "test.sh: FAILED: ${failed[*]}"
fi
exit "$status"
