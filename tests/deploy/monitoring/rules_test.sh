#!/usr/bin/env bash
# ctest monitoring_rules: the compose scrape config and the rule file are valid
# for the real promtool, and the rules' unit tests pass (each alert fires on a
# bad series and stays quiet on a healthy one; recording rules give the
# hand-computed values).
# Usage: rules_test.sh [REPO_ROOT]
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/../../..}" && pwd)
prom_dir="$root/monitoring/prometheus"
command -v promtool >/dev/null || { echo "rules_test: promtool not found (apt-get install prometheus)" >&2; exit 1; }

# check config also loads rule_files (rules/*.rules.yaml, relative to the
# config): a glob matching nothing would pass silently, so count them.
shopt -s nullglob
rule_files=("$prom_dir"/rules/*.rules.yaml)
[ "${#rule_files[@]}" -gt 0 ] || { echo "rules_test: no rules/*.rules.yaml in $prom_dir" >&2; exit 1; }

# The targets are compose host names (model:8080): fine, check config does not resolve them.
promtool check config "$prom_dir/prometheus.yml"
promtool check rules "${rule_files[@]}"
# promtool test rules resolves rule_files relative to the test file.
promtool test rules "$prom_dir"/rules/tests/*.test.yaml
