# build_if_stale NAME PKG: prints the path of $root/.build/NAME, compiling
# PKG into it first when it is missing or older than any Go source (tests
# aside), go.mod or go.sum of the module (build errors go to stderr and exit 1).
# Shared by scripts/app (the CDK app), scripts/coiled-hook and scripts/lib.sh.
# shellcheck shell=bash
build_if_stale() {
  local out="$root/.build/$1" pkg=$2
  if [ ! -x "$out" ] || [ -n "$(find "$root" \( -name .tools -o -name .git -o -name 'cdk.out*' -o -name node_modules -o -name .build -o -name testdata \) -prune \
       -o \( \( -name '*.go' ! -name '*_test.go' \) -o -name go.mod -o -name go.sum \) -newer "$out" -print -quit)" ]; then
    mkdir -p "$root/.build"
    # Build beside the target and rename, so a concurrent run never
    # executes a half-written binary.
    # The binary takes the time the build started: a source changed while
    # it compiled (a merge, an editor) is newer, so the next call rebuilds.
    : >"$out.stamp.$$"
    go -C "$root" build -o "$out.tmp.$$" "$pkg" || { rm -f "$out.tmp.$$" "$out.stamp.$$"; exit 1; }
    touch -r "$out.stamp.$$" "$out.tmp.$$"
    rm -f "$out.stamp.$$"
    mv -f "$out.tmp.$$" "$out"
  fi
  printf '%s\n' "$out"
}
