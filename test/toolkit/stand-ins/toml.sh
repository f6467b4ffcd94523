# toml_get TABLE KEY FILE: prints the value of KEY in [TABLE] of FILE (quotes of a basic string removed; escapes
# are not decoded, which the plain paths of these tests never need); fails when the key is absent.
toml_get() {
	/usr/bin/awk -v T="$1" -v K="$2" '
		/^[ \t]*\[/ { t = $0; sub(/^[ \t]*\[[ \t]*/, "", t); sub(/[ \t]*\][ \t]*$/, "", t); next }
		t == T {
			line = $0
			sub(/^[ \t]+/, "", line)
			if (index(line, K " = ") == 1) {
				v = substr(line, length(K) + 4)
				if (v ~ /^".*"$/) v = substr(v, 2, length(v) - 2)
				print v
				found = 1
				exit
			}
		}
		END { exit found ? 0 : 1 }
	' "$3"
}

# setting TABLE KEY DEFAULT: the value from the config found ($cfg, empty for none), else DEFAULT.
setting() {
	if [ -n "$cfg" ] && v=$(toml_get "$1" "$2" "$cfg"); then
		printf '%s\n' "$v"
	else
		printf '%s\n' "$3"
	fi
}
