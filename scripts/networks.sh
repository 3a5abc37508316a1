# The networks file in scripts/deploy (issue 20): which stacks a deploy
# covers, the environments to bootstrap, the safe-change check before the
# deploy, and the outputs file that holds every network's stack.
# shellcheck shell=bash
# Uses from scripts/deploy: ctx (-c key=value as given), only (--only),
# allow_replacement, CDK, bootstrap_flags, cdk_flags.

# networks_context_keys: the keys of this run's -c options, for the app
# (stacks.ContextKeysEnv): a -c value equal to cdk.json's still overrides
# the networks file.
networks_context_keys() {
  local keys=() i
  for ((i = 1; i < ${#ctx[@]}; i += 2)); do keys+=("${ctx[i]%%=*}"); done
  COILEDNET_CONTEXT_KEYS=$(IFS=,; printf '%s' "${keys[*]:-}")
  export COILEDNET_CONTEXT_KEYS
}

# networks_plan: NETWORK_NAMES, NETWORK_STACKS, NETWORK_ENVS (unique, in
# file order) of the networks this run deploys (all, or --only); all empty
# without a networks file. ALL_STACKS: every stack of the file.
networks_plan() {
  local bin lines all name stack env ws
  NETWORK_NAMES=() NETWORK_STACKS=() NETWORK_ENVS=() ALL_STACKS=()
  bin=$(build_if_stale networks ./internal/cmd/networks)
  all=$("$bin" list ${ctx[@]+"${ctx[@]}"}) || exit 1
  lines=$("$bin" list -only "${only:-}" ${ctx[@]+"${ctx[@]}"}) || exit 1
  while IFS=$'\t' read -r name stack env ws; do
    [ -n "$name" ] && ALL_STACKS+=("$stack")
  done <<<"$all"
  while IFS=$'\t' read -r name stack env ws; do
    [ -n "$name" ] || continue
    NETWORK_NAMES+=("$name") NETWORK_STACKS+=("$stack")
    [[ " ${NETWORK_ENVS[*]:-} " == *" $env "* ]] || NETWORK_ENVS+=("$env")
  done <<<"$lines"
  if [ -n "${only:-}" ] && [ ${#NETWORK_NAMES[@]} = 0 ]; then
    echo "coilednet: --only needs a networks file (coilednet.yaml, or -c networksFile=PATH)" >&2; exit 2
  fi
}

# networks_bootstrap: cdk bootstrap of each environment of the deployed
# stacks, once, from the app networks_safe_change synthesized (without a
# file: the environment of the credentials, as before). The CLI resolves
# unknown-account/unknown-region to those of the credentials.
networks_bootstrap() {
  if [ ${#NETWORK_ENVS[@]} -gt 0 ]; then
    echo "coilednet: bootstrapping ${NETWORK_ENVS[*]} (once per account and region; a no-op when current)"
  fi
  "$CDK" bootstrap --no-notices --app cdk.out ${NETWORK_ENVS[@]+"${NETWORK_ENVS[@]}"} ${bootstrap_flags[@]+"${bootstrap_flags[@]}"}
}

# networks_safe_change: synthesizes into cdk.out (printing the summary and
# cost once) and compares each stack with its deployed template; stops with
# exit 1 when the deploy would replace or delete the VPC, a subnet or a
# security group Coiled uses, or widen the scheduler's sources, unless
# --allow-replacement.
networks_safe_change() {
  local bin stacks
  "$CDK" synth --no-notices --quiet "${ctx[@]}" ${bootstrap_flags[@]+"${bootstrap_flags[@]}"} >/dev/null
  bin=$(build_if_stale safechange ./internal/cmd/safechange)
  stacks=$(IFS=,; printf '%s' "${NETWORK_STACKS[*]:-}")
  local allow=()
  [ "${allow_replacement:-0}" = 1 ] && allow=(-allow-replacement)
  "$bin" -assembly cdk.out -stacks "$stacks" ${allow[@]+"${allow[@]}"} || exit 1
}

# networks_deploy: deploys the synthesized stacks (all, or --only's), keeps
# in cdk-outputs.json the outputs of the file's other stacks from the last
# deploy, and checks every deployed stack's outputs.
networks_deploy() {
  local previous="" checkoutputs
  if [ -f cdk-outputs.json ] && [ ${#NETWORK_STACKS[@]} -gt 0 ]; then
    previous=$(mktemp)
    cp cdk-outputs.json "$previous"
  fi
  rm -f cdk-outputs.json
  if ! "$CDK" deploy --no-notices --app cdk.out --outputs-file cdk-outputs.json ${NETWORK_STACKS[@]+"${NETWORK_STACKS[@]}"} ${cdk_flags[@]+"${cdk_flags[@]}"}; then
    # The stacks that failed rolled back: the last outputs still describe them.
    [ -z "$previous" ] || mv -f "$previous" cdk-outputs.json
    exit 1
  fi
  if [ -n "$previous" ]; then
    "$(build_if_stale networks ./internal/cmd/networks)" merge-outputs -file cdk-outputs.json -previous "$previous" \
      -stacks "$(IFS=,; printf '%s' "${ALL_STACKS[*]}")"
    rm -f "$previous"
  fi
  # --- honest result: the hook needs every required output of each stack
  checkoutputs=$(build_if_stale checkoutputs ./internal/cmd/checkoutputs)
  if ! "$checkoutputs" -assembly cdk.out -stacks "$(IFS=,; printf '%s' "${NETWORK_STACKS[*]:-}")" cdk-outputs.json; then
    echo "coilednet: not deployed as the hook needs it (see above): nothing was handed to Coiled." >&2
    exit 1
  fi
}
