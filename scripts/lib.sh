# Shared helpers for scripts/test, scripts/demo and scripts/build-dist; source it, do not run it.
# Expects the caller to have set `set -euo pipefail` and to be in the repo root.

section() { printf '\n==> %s\n' "$*"; }

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt-get, through sudo when not root.
apt_get() {
  if [[ $EUID -eq 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get "$@"
  else
    sudo DEBIAN_FRONTEND=noninteractive apt-get "$@"
  fi
}

# Major version of the node on PATH, 0 when there is none.
node_major() {
  node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}

# The node the runner starts the launcher with: major 24, pinned here to the
# exact version the tests run on (the npm registry's `node` package ships the
# binary for the machine it is installed on).
NODE_RUNNER_VERSION=24.21.0

# Puts node 24 first on PATH: the node already there when it is major 24,
# else the npm registry's `node@$NODE_RUNNER_VERSION`, installed once into
# .tools/node (node and npm from apt first when there is no npm at all).
ensure_node() {
  (($(node_major) == 24)) && return 0
  local prefix="$PWD/.tools/node"
  if [[ ! -x $prefix/node_modules/.bin/node ]] ||
    [[ $("$prefix/node_modules/.bin/node" --version) != "v$NODE_RUNNER_VERSION" ]]; then
    if ! command -v npm >/dev/null; then
      section "Installing node and npm (apt), to install node $NODE_RUNNER_VERSION with"
      apt_get update -qq
      apt_get install -y -qq nodejs npm
    fi
    section "Installing node $NODE_RUNNER_VERSION (npm registry)"
    rm -rf "$prefix"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund \
      --loglevel=error "node@$NODE_RUNNER_VERSION"
  fi
  export PATH="$prefix/node_modules/.bin:$PATH"
  (($(node_major) == 24)) || die "node 24 is not first on PATH after installing it"
}

# Installs the exact node packages of package-lock.json (the workflow linter)
# into node_modules unless it already holds them (a copy of the lock file kept
# in node_modules marks what was installed). Installs npm from apt if missing.
ensure_node_tools() {
  local stamp="$PWD/node_modules/.installed-package-lock.json"
  cmp -s package-lock.json "$stamp" && return 0
  if ! command -v npm >/dev/null; then
    section "Installing npm (apt)"
    apt_get update -qq
    apt_get install -y -qq npm
  fi
  section "Installing node tools (package-lock.json)"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
  cp package-lock.json "$stamp"
}

# Creates the repo's .venv when it is missing.
ensure_venv() {
  local venv="$PWD/.venv"
  [[ -x $venv/bin/python ]] && return 0
  section "Creating .venv"
  if ! python3 -m venv "$venv"; then
    # Debian's python3 keeps venv support in a separate package.
    rm -rf "$venv"
    apt_get update -qq
    apt_get install -y -qq python3-venv
    python3 -m venv "$venv"
  fi
}

# Creates .venv with the exact tools of requirements-test.txt (moto_server,
# aws) and puts it first on PATH. Skips pip when the venv already holds
# that exact list.
ensure_python_tools() {
  pip_requirements requirements-test.txt "Python test tools"
  export PATH="$PWD/.venv/bin:$PATH"
}

# Installs a requirements file into .venv unless the venv already holds that
# exact list (a copy of the file kept in .venv marks what was installed).
pip_requirements() {
  local file=$1 what=$2 stamp="$PWD/.venv/$1"
  ensure_venv
  if ! cmp -s "$file" "$stamp"; then
    section "Installing $what ($file)"
    "$PWD/.venv/bin/pip" install -q --disable-pip-version-check -r "$file"
    cp "$file" "$stamp"
  fi
}

# Installs the exact zig of requirements-dist.txt (the PyPI ziglang wheel)
# into .venv and points cargo-zigbuild at it. Sets ZIG to the command that
# runs that zig (`"${ZIG[@]}" cc ...`). Skips pip when already installed.
ensure_zig() {
  local venv="$PWD/.venv"
  pip_requirements requirements-dist.txt zig
  export CARGO_ZIGBUILD_PYTHON_PATH="$venv/bin/python"
  # shellcheck disable=SC2034  # for the caller
  ZIG=("$venv/bin/python" -m ziglang)
}

# Release binaries are built with this pinned nightly toolchain: it rebuilds the standard library
# with the release profile (opt-level "z", LTO, abort on panic) and without its backtrace
# support, which nothing here uses (the panic hook prints one ::error:: line, never a
# backtrace), and leaves out the source locations of panics (the hook then prints the message
# alone). Together about a seventh off each binary. Derived Debug output names the type or
# variant alone (-Zfmt-debug=shallow, about 150 KB): nothing the action prints comes from a
# derived Debug of a value with fields (its own messages format text, lists of text and unit
# variants), only the SDK's debug lines under RUNNER_DEBUG lose their field dumps. Everyday
# builds and tests use stable; the release workflow runs the tests against the release binaries.
RELEASE_TOOLCHAIN=nightly-2026-05-19
RELEASE_BUILD_ARGS=(-Zbuild-std=std,panic_abort -Zbuild-std-features=optimize_for_size)
RELEASE_RUSTFLAGS="-Zlocation-detail=none -Zfmt-debug=shallow"

# Installs the release toolchain with the standard library's source, once.
ensure_release_toolchain() {
  command -v rustup >/dev/null || die "rustup is needed to install $RELEASE_TOOLCHAIN"
  if ! rustup component list --toolchain "$RELEASE_TOOLCHAIN" --installed 2>/dev/null |
    grep -q '^rust-src'; then
    section "Installing the release toolchain $RELEASE_TOOLCHAIN (rustup)"
    rustup toolchain install "$RELEASE_TOOLCHAIN" --profile minimal --component rust-src \
      --no-self-update
  fi
}
