# test_runpath.sh -- the malmoi binary's RPATH/RUNPATH (read with readelf from
# binutils) has no empty and no relative entry: either makes the dynamic
# loader search the current directory (or one below it) for every library,
# libc included, so a planted libc.so.6 would run as whoever runs malmoi there.
. "$(dirname "$0")/../lib.sh"

check "readelf reads the binary" sh -c 'readelf -d "$MALMOI" >"$0/dyn"' "$TMP"
check "binary has a dynamic section" grep -q NEEDED "$TMP/dyn"
# Lines look like: 0x...1d (RUNPATH)  Library runpath: [/a/b:/c]
grep -E '\((RPATH|RUNPATH)\)' "$TMP/dyn" | sed 's/.*\[\(.*\)\].*/\1/' >"$TMP/paths"
while IFS= read -r list; do
    echo "runpath list: '$list'"
    # awk splits exactly: "/a:" gives "/a" and an empty entry.
    while IFS= read -r e; do
        case "$e" in
            '') fail "empty RPATH/RUNPATH entry in '$list' (the current directory)" ;;
            /* | '$ORIGIN'*) pass ;;
            *) fail "relative RPATH/RUNPATH entry '$e' in '$list'" ;;
        esac
    done < <(printf '%s\n' "$list" | awk -F: '{ for (i = 1; i <= NF; i++) print $i }')
done <"$TMP/paths"
finish
