# Shared by scripts/deploy, scripts/local and scripts/test: install the
# pinned CDK CLI (and the IAM policy simulator the tests use) and set the environment the CDK CLI and jsii run best with.
# shellcheck shell=bash

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$root/scripts/build.sh"

# The CLI's check for a newer version of itself, and its telemetry: off
# (the version is pinned; nothing is sent anywhere).
export CDK_DISABLE_VERSION_CHECK=true
export CDK_DISABLE_CLI_TELEMETRY=true

# The CLI lives in .tools/ (a dot-folder, so `go test ./...` never walks its
# node_modules); its version is pinned in .tools/package-lock.json.
CDK="$root/.tools/node_modules/.bin/cdk"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "coilednet: '$1' is needed: $2" >&2; exit 1; }
}

# node_check: jsii, which runs the CDK Go app in Node.js, supports Node 22
# and 24. On Node 20 (past its end of life; jsii support ended 2026-10-30)
# it still works but jsii prints a 12-line banner on every synth: the
# scripts say so in one line instead and silence that banner only
# (JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20), as the README says.
node_check() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt 20 ]; then
    echo "coilednet: Node.js $major is too old: install Node.js 22 or 24" >&2; exit 1
  fi
  if [ "$major" = 20 ]; then
    echo "coilednet: note: Node.js 20 is past its end of life and no longer supported by jsii (use 22 or 24); silencing jsii's banner about it" >&2
    export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
  fi
}

ensure_cdk() {
  need node "install Node.js 22 or 24"
  need npm "it ships with Node.js"
  node_check
  local want sim_want
  want=$(node -p "require('$root/.tools/package-lock.json').packages['node_modules/aws-cdk'].version")
  # The IAM policy simulator of the policy tests (test/iamsim), pinned beside it.
  sim_want=$(node -p "require('$root/.tools/package-lock.json').packages['node_modules/@cloud-copilot/iam-simulate'].version")
  if [ ! -x "$CDK" ] || [ "$(node -p "require('$root/.tools/node_modules/aws-cdk/package.json').version" 2>/dev/null)" != "$want" ] ||
    [ "$(node -p "require('$root/.tools/node_modules/@cloud-copilot/iam-simulate/package.json').version" 2>/dev/null)" != "$sim_want" ]; then
    echo "coilednet: installing the pinned CDK CLI (aws-cdk $want) and IAM policy simulator (@cloud-copilot/iam-simulate $sim_want) into .tools/"
    npm ci --prefix "$root/.tools" --no-audit --no-fund --loglevel=error
  fi
}

# prebuild compiles the CDK app into .build/ in the background (the CDK Go
# bindings take about a minute the first time) while ensure_cdk installs the
# CLI; finish_prebuild waits for it and stops on a compile error.
prebuild() {
  build_if_stale coilednet ./bin/coilednet >/dev/null &
  prebuild_pid=$!
}
finish_prebuild() {
  wait "$prebuild_pid" || { echo "coilednet: go build failed" >&2; exit 1; }
}

# is_option_key NAME: whether NAME is a coilednet option (a context key of
# cdk.json that is not a CDK feature flag).
is_option_key() {
  [[ "$1" =~ ^[A-Za-z][A-Za-z0-9]*$ ]] && grep -q "^    \"$1\":" "$root/cdk.json"
}

# check_repeated_keys -c k=v ...: a key given twice is an error naming both
# values (CDK would silently keep the last one).
check_repeated_keys() {
  local -A seen=()
  local key
  while [ $# -gt 0 ]; do
    if [ "$1" = -c ] && [ $# -ge 2 ]; then
      key=${2%%=*}
      if [ -n "${seen[$key]+x}" ]; then
        echo "coilednet: -c $key is given twice ('${seen[$key]}' and '${2#*=}'): keep one" >&2
        exit 2
      fi
      seen[$key]=${2#*=}
      shift
    fi
    shift
  done
}
