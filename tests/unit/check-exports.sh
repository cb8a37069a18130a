#!/bin/sh
# The shared library exports exactly the functions declared IIOS_API in the
# public header, each under its version node of lib/libiiostream.map, and has
# soname libiiostream.so.0.
set -eu
lib=$1 header=$2 map=$3
fail=0
exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }' | sed 's/@.*//' | sort)
declared=$(tr '\n' ' ' < "$header" | grep -o 'IIOS_API[^;(]*iios_[a-z_0-9]*(' |
	sed 's/.*[ *]\([a-z_0-9]*\)($/\1/' | sort)
extra=$(printf '%s\n' "$exported" | grep -vxF -f /dev/fd/3 3<<E || true
$declared
E
)
missing=$(printf '%s\n' "$declared" | grep -vxF -f /dev/fd/3 3<<E || true
$exported
E
)
[ -z "$extra" ] || { echo "exported but not in iiostream.h: $extra"; fail=1; }
[ -z "$missing" ] || { echo "declared but not exported: $missing"; fail=1; }
other=$(nm -D --defined-only "$lib" | awk '$2 != "T" && $2 != "A" { print $3 }')
[ -z "$other" ] || { echo "unexpected exported data: $other"; fail=1; }
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libiiostream.so.0 ] || { echo "soname is '$soname'"; fail=1; }
# Each function carries the version node the map names it in (IIOSTREAM_0.2
# and later list their functions by name), else IIOSTREAM_0 (the iios_* of
# the first release).
versions=$(objdump -T "$lib" | awk '$NF ~ /^iios_/ { print $NF, $(NF - 1) }')
for f in $declared; do
	want=$(awk -v f="$f" '/^IIOSTREAM_[0-9.]* *{/ { node = $1 }
		$1 == f ";" && node != "IIOSTREAM_0" { print node }' "$map")
	got=$(printf '%s\n' "$versions" | awk -v f="$f" '$1 == f { print $2 }')
	if [ "$got" != "${want:-IIOSTREAM_0}" ]; then
		echo "$f: version '$got', expected '${want:-IIOSTREAM_0}'"
		fail=1
	fi
done
echo "$(printf '%s\n' "$declared" | wc -l) functions exported"
exit $fail
