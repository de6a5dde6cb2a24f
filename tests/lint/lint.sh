#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# One lint check over the project's own sources: what a reviewer would
# otherwise check by hand. bench/data/ is left out: it keeps each
# experiment's probe files exactly as they ran.
#   - format: clang-format --dry-run -Werror (.clang-format: DPDK
#     style) over every .c and .h file;
#   - cppcheck: its warning, performance and portability checks over
#     every C file the build compiles (BUILD_ROOT/compile_commands.json),
#     DPDK's headers left out (not ours);
#   - shellcheck: at severity warning, over every shell script.
# Exit status: 0 clean, 1 findings (printed), 77 (skip) without the tool
# (scripts/setup.sh installs all three).
set -uo pipefail

usage() {
	echo "usage: tests/lint/lint.sh format|cppcheck|shellcheck SOURCE_ROOT [BUILD_ROOT]"
}
case "${1:-}" in
-h | --help)
	usage
	sed -n '3,14s/^# \{0,1\}//p' "$0"
	exit 0
	;;
format | cppcheck | shellcheck) ;;
*)
	usage >&2
	exit 2
	;;
esac
check=$1
src=${2:?$(usage)}
build=${3:-}
tool=$check
[ "$check" = format ] && tool=clang-format
command -v "$tool" >/dev/null || {
	echo "lint: $tool is not installed (scripts/setup.sh installs it)"
	exit 77
}
cd "$src" || exit 1
files=()

# The project's files matching the find(1) name tests given, one per line.
own_files() {
	find app bench drivers lib scripts tests .ci -path bench/data -prune \
		-o -type f \( "$@" \) -print | sort
}

case $check in
format)
	mapfile -t files < <(own_files -name '*.c' -o -name '*.h')
	clang-format --dry-run -Werror "${files[@]}" || exit 1
	;;
cppcheck)
	[ -f "$build/compile_commands.json" ] || {
		echo "lint: no $build/compile_commands.json"
		exit 1
	}
	cppcheck --enable=warning,performance,portability --std=c11 \
		--inline-suppr --quiet --error-exitcode=1 \
		--project="$build/compile_commands.json" \
		--suppress=missingIncludeSystem --suppress='*:/usr/include/*' ||
		exit 1
	mapfile -t files < <(sed -n 's/^ *"file": "\(.*\)",*$/\1/p' \
		"$build/compile_commands.json" | sort -u)
	;;
shellcheck)
	mapfile -t files < <(own_files -name '*.sh' -o -path .ci/run)
	shellcheck -S warning "${files[@]}" || exit 1
	;;
esac
echo "lint $check: ${#files[@]} files clean"
