# Shared by scripts/deploy and scripts/test: install the pinned CDK CLI (and
# the IAM policy simulator the tests use) and
# set the environment the CDK CLI and jsii run best with here.
# shellcheck shell=bash

export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION:-20}"
export CDK_DISABLE_VERSION_CHECK=true
export CDK_DISABLE_CLI_TELEMETRY=true

# The CLI lives in .tools/ (a dot-folder, so `go test ./...` never walks its
# node_modules); its version is pinned in .tools/package-lock.json.
CDK="$PWD/.tools/node_modules/.bin/cdk"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "coilednet: '$1' is needed: $2" >&2; exit 1; }
}

ensure_cdk() {
  need node "install Node.js 20 or newer"
  need npm "it ships with Node.js"
  local want sim_want
  want=$(node -p 'require("./.tools/package-lock.json").packages["node_modules/aws-cdk"].version')
  # The IAM policy simulator of the policy tests (test/iamsim), pinned beside it.
  sim_want=$(node -p 'require("./.tools/package-lock.json").packages["node_modules/@cloud-copilot/iam-simulate"].version')
  if [ ! -x "$CDK" ] || [ "$(node -p 'require("./.tools/node_modules/aws-cdk/package.json").version' 2>/dev/null)" != "$want" ] ||
    [ "$(node -p 'require("./.tools/node_modules/@cloud-copilot/iam-simulate/package.json").version' 2>/dev/null)" != "$sim_want" ]; then
    echo "coilednet: installing the pinned CDK CLI (aws-cdk $want) and IAM simulator (@cloud-copilot/iam-simulate $sim_want) into .tools/"
    npm ci --prefix .tools --no-audit --no-fund --loglevel=error
  fi
}

# prebuild compiles PKGS in the background (the CDK Go bindings take about a
# minute the first time) while ensure_cdk installs the CLI; finish_prebuild
# waits for it and stops on a compile error.
prebuild() {
  go build -o /dev/null "$@" &
  prebuild_pid=$!
}
finish_prebuild() {
  wait "$prebuild_pid" || { echo "coilednet: go build failed" >&2; exit 1; }
}
