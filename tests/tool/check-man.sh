#!/bin/sh
# iiostream(1) renders without groff warnings and documents every command and
# option that 'iiostream CMD --help' lists.
# usage: check-man.sh PATH/TO/iiostream PATH/TO/iiostream.1
set -eu
tool=$1 page=$2
if ! command -v groff >/dev/null; then
	echo "SKIP: no groff"
	exit 77
fi
warn=$(groff -man -ww -z "$page" 2>&1)
[ -z "$warn" ] || { echo "groff warnings:"; echo "$warn"; exit 1; }
text=$(groff -man -Tutf8 -P-cbou "$page" 2>/dev/null | sed 's/‐/-/g')
status=0
for cmd in list attr capture play bench pipe; do
	for opt in $("$tool" "$cmd" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		case "$text" in
		*"$opt"*) ;;
		*) echo "iiostream $cmd $opt is not in the man page"; status=1 ;;
		esac
	done
done
exit $status
