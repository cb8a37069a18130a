#!/bin/sh
# The shared library exports exactly the functions declared IIOS_API in the
# public header, all under the IIOSTREAM_0 version, and has soname libiiostream.so.0.
set -eu
lib=$1 header=$2
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
nver=$(objdump -T "$lib" | grep -c 'IIOSTREAM_0 *iios_' || true)
[ "$nver" -eq "$(printf '%s\n' "$declared" | wc -l)" ] || { echo "unversioned exports"; fail=1; }
echo "$(printf '%s\n' "$declared" | wc -l) functions exported"
exit $fail
