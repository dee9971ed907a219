#!/usr/bin/env bash
# Checks that a clone of the repository stands alone on a fresh Debian machine:
#   1. no file of the project reads the development workspace's "shared"
#      folder beside the checkout (a user's clone has none);
#   2. every command the tests, benchmarks and scripts call comes from a
#      package scripts/install-deps.sh installs (or one those depend on), from
#      one every Debian system has (priority "required"), or from what the
#      README asks a person to have (git, make); the commands make run prints
#      come from the build list;
#   3. the test data the tests read is in the repository.
# Usage: tests/project/self_contained_test.sh REPO_ROOT
set -euo pipefail
repo=${1:?usage: $0 REPO_ROOT}
cd "$repo"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# The project's files: git's list in a checkout, else every file but build
# output and npm modules.
project_files() {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files --cached --others --exclude-standard
  else
    find . -type f -not -path './build*' -not -path '*/node_modules/*' \
      -not -path './.git/*' | sed 's|^\./||'
  fi
}

# 1. Nothing names the workspace's shared folder. The pattern is built so
# that this file does not match itself.
dotdot='..'
pattern="${dotdot}/shared"
while IFS= read -r file; do
  [ -f "$file" ] || continue
  if grep -IlF -- "$pattern" "$file" >/dev/null 2>&1; then
    fail "$file names $pattern (a user's clone has no such folder):"
    grep -nF -- "$pattern" "$file" | head -3 >&2
  fi
done < <(project_files)

# 2. Commands and the packages that provide them.
# The README's prerequisites, and the cluster tools infra/setup.sh expects a
# cluster operator to bring (its tests replace them by stubs).
prerequisites=(git make ca-certificates)
cluster_tools=(kubectl minikube helm)
required_pkgs=$(dpkg-query -W -f='${Package} ${Priority} ${Essential}\n' |
  awk '$2 == "required" || $3 == "yes" {print $1}')
# closure LIST: the installed packages LIST (install-deps.sh --list LIST)
# pulls in through Depends and Pre-Depends, virtual packages resolved by
# Provides, plus the required ones and the prerequisites.
closure() {
  {
    scripts/install-deps.sh --list "$1" | sed 's/^/root /'
    printf 'root %s\n' "${prerequisites[@]}"
    dpkg-query -W -f='pkg ${Package}\t${Provides}\t${Depends}, ${Pre-Depends}\n'
  } | awk -F'\t' '
    $1 ~ /^root / { split($1, r, " "); queue[++n] = r[2]; next }
    {
      p = substr($1, 5); have[p] = 1; deps[p] = $3
      m = split($2, prov, ",")
      for (i = 1; i <= m; i++) { v = prov[i]; sub(/\(.*/, "", v); gsub(/ /, "", v); if (v != "") provider[v] = provider[v] " " p }
    }
    END {
      for (h = 1; h <= n; h++) {
        p = queue[h]; sub(/:.*/, "", p)
        if (p in seen) continue
        seen[p] = 1
        if (!(p in have)) { k = split(provider[p], alt, " "); for (j = 1; j <= k; j++) queue[++n] = alt[j]; continue }
        print p
        m = split(deps[p], d, /[,|]/)
        for (i = 1; i <= m; i++) { q = d[i]; sub(/\(.*/, "", q); gsub(/ /, "", q); sub(/:.*/, "", q); if (q != "") queue[++n] = q }
      }
    }'
  printf '%s\n' "$required_pkgs"
}
all_pkgs=$(closure all | sort -u)
build_pkgs=$(closure build | sort -u)

# package_of COMMAND: the Debian package that holds the command found on PATH
# (empty when it is not on PATH or no package holds it).
package_of() {
  local path real candidate
  path=$(command -v "$1" 2>/dev/null) || return 0
  case "$path" in /*) ;; *) return 0 ;; esac  # a builtin or a function
  real=$(readlink -f "$path")
  # Merged /usr: dpkg may know /bin/x for what PATH finds as /usr/bin/x.
  for candidate in "$path" "$real" "${path#/usr}" "${real#/usr}"; do
    if dpkg -S "$candidate" 2>/dev/null | grep -v "^diversion by " | head -1 |
      cut -d: -f1; then
      return 0
    fi
  done
}
in_list() {
  local want=$1
  shift
  local p
  for p in "$@"; do [ "$p" = "$want" ] && return 0; done
  return 1
}

# The first word of every simple command in shell code: line starts and what
# follows | ; && || $( ( ` and the words that introduce a command.
shell_commands() {
  sed -e 's/#.*$//' "$@" |
    tr ';|&(`{}' '\n\n\n\n\n\n\n' |
    awk '{
      for (i = 1; i <= NF; i++) {
        w = $i
        if (w ~ /^(then|do|else|elif|if|while|until|!|exec|sudo|command|time|nohup|env|xargs|\$)$/) continue
        if (w ~ /^[A-Za-z_][A-Za-z0-9_]*=/) continue        # VAR=value prefix
        if (w == "timeout") { i++; continue }                # timeout N cmd
        print w
        break
      }
    }' | grep -E '^[a-z][a-z0-9._+-]*$' | sort -u
}
# The first word of every string literal of the C++ tests that runs a
# command (RunCommand("...") and the commands they build).
cxx_commands() {
  grep -ohE '"[a-z][a-z0-9._-]* ' "$@" | tr -d '" ' | sort -u
}

mapfile -t scripts < <(project_files | grep -E '(\.sh$|^\.ci/run$|^Makefile$)')
mapfile -t cxx_tests < <(project_files | grep -E '^tests/.*\.(cc|h)$')
checked=0
while IFS= read -r cmd; do
  in_list "$cmd" "${cluster_tools[@]}" && continue
  pkg=$(package_of "$cmd")
  [ -n "$pkg" ] || continue
  checked=$((checked + 1))
  if ! grep -qxF "$pkg" <<<"$all_pkgs"; then
    fail "the tests or scripts call '$cmd' (Debian package $pkg), which scripts/install-deps.sh does not install"
    grep -lwE -- "$cmd" "${scripts[@]}" "${cxx_tests[@]}" 2>/dev/null | head -3 | sed 's/^/  in /' >&2
  fi
done < <({ shell_commands "${scripts[@]}"; cxx_commands "${cxx_tests[@]}"; } | sort -u)
echo "checked $checked commands against the $(wc -l <<<"$all_pkgs") packages install-deps.sh brings (with dependencies)"

# What make run prints is meant to be pasted: its commands come from the
# build list (make run installs only that).
while IFS= read -r cmd; do
  pkg=$(package_of "$cmd")
  [ -n "$pkg" ] || continue
  if ! grep -qxF "$pkg" <<<"$build_pkgs"; then
    fail "make run (scripts/run-local.sh) prints or calls '$cmd' (package $pkg), which 'install-deps.sh build' does not install"
  fi
done < <(shell_commands scripts/run-local.sh)

# 3. The test data is here: every manifest row's image and expected text.
manifest=tests/data/manifest.tsv
if [ ! -s "$manifest" ]; then
  fail "$manifest is missing"
else
  rows=0
  while IFS=$'\t' read -r id image truth _; do
    [ "$id" = id ] && continue
    rows=$((rows + 1))
    [ -s "tests/data/$image" ] || fail "$manifest: $id: tests/data/$image is missing"
    [ -s "tests/data/$truth" ] || fail "$manifest: $id: tests/data/$truth is missing"
  done <"$manifest"
  [ "$rows" -gt 0 ] || fail "$manifest has no rows"
  grep -q 'licence' tests/data/README.md || fail "tests/data/README.md does not record the licences"
fi

if [ "$failures" -gt 0 ]; then
  echo "self_contained: $failures problem(s)" >&2
  exit 1
fi
echo "self_contained: ok"
