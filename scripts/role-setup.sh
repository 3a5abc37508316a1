# The pre-deploy step of a coiledAccess=role stack (issue 9), sourced by
# scripts/deploy. The role Coiled assumes must trust the principal Coiled
# names, with the external ID Coiled gives; `coiled-hook --start-role-setup`
# asks Coiled once and keeps both in .coilednet/role-setup.json (or
# $COILEDNET_ROLE_SETUP_FILE), so a redeploy reuses them and the external ID
# never changes. Without that file but with AWS credentials, the values of the
# deployed stack (stackName, default CoiledNetwork) are reused. role_setup_args "$@" sets ROLE_SETUP_ARGS to
#   -c coiledPrincipal=… -c coiledExternalId=…
# when the context options ask for coiledAccess=role and give neither value;
# otherwise it leaves ROLE_SETUP_ARGS empty and calls nothing.
# Needs build_if_stale (scripts/build.sh, which scripts/lib.sh sources).
# shellcheck shell=bash

role_setup_args() {
  ROLE_SETUP_ARGS=()
  local access="" workspace="" principal="" extid="" stack=CoiledNetwork prev="" kv arg
  for arg in "$@"; do
    kv=""
    case "$prev" in -c|--context) kv="$arg" ;; esac
    case "$arg" in
      --context=*) kv="${arg#--context=}" ;;
      -c?*) kv="${arg#-c}" ;;
    esac
    prev="$arg"
    case "$kv" in
      coiledAccess=*) access="${kv#*=}" ;;
      coiledWorkspace=*) workspace="${kv#*=}" ;;
      coiledPrincipal=*) principal="${kv#*=}" ;;
      coiledExternalId=*) extid="${kv#*=}" ;;
      stackName=*) stack="${kv#*=}" ;;
    esac
  done
  [ "$access" = role ] || return 0
  # Values given by hand win; one without the other is left to the
  # configuration's own error.
  { [ -z "$principal" ] && [ -z "$extid" ]; } || return 0
  if [ -z "$workspace" ]; then
    echo "coilednet: -c coiledAccess=role needs -c coiledWorkspace=SLUG (the Coiled workspace whose role this is)" >&2
    exit 2
  fi
  echo "coilednet: coiledAccess=role: getting the principal and external ID of workspace $workspace (coiled-hook --start-role-setup)"
  local hook awscreds
  hook=$(build_if_stale coiled-hook ./bin/coiled-hook)
  awscreds=$(build_if_stale awscreds ./internal/cmd/awscreds)
  # With AWS credentials, a stack already deployed (e.g. from another
  # machine) gives its own principal and external ID when the file has none.
  local from_stack=()
  if "$awscreds"; then from_stack=(--stack "$stack"); fi
  local out line
  if ! out=$("$hook" --start-role-setup --workspace "$workspace" ${from_stack[@]+"${from_stack[@]}"} \
      --role-setup-file "${COILEDNET_ROLE_SETUP_FILE:-.coilednet/role-setup.json}"); then
    echo "coilednet: could not get them (see above); or pass -c coiledPrincipal=ARN -c coiledExternalId=ID yourself" >&2
    exit 1
  fi
  while IFS= read -r line; do
    case "$line" in coiledPrincipal=?*|coiledExternalId=?*) ROLE_SETUP_ARGS+=(-c "$line") ;; esac
  done <<<"$out"
  if [ "${#ROLE_SETUP_ARGS[@]}" -ne 4 ]; then
    echo "coilednet: coiled-hook --start-role-setup printed no principal and external ID" >&2
    exit 1
  fi
}
