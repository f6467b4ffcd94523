# Stand-in for nvidia-container-runtime-hook of one toolkit era. Flags are parsed like Go's flag package (up to
# the first non-flag argument; an unknown flag is an error, exit 2), then the config is looked up as the real hook
# does (cmd/nvidia-container-runtime-hook/hook_config.go):
#   v1.17 and older: the -config file (required), else /run/nvidia/driver/etc/nvidia-container-runtime/config.toml,
#                    else /etc/nvidia-container-runtime/config.toml, else built-in defaults
#   v1.18 and newer: the -config file, else $NVIDIA_CTK_CONFIG_FILE_PATH (required), else as v1.17
# For `prestart` it prints the nvidia-container-cli call the real hook would exec (the options taken from the
# config, up to --ldconfig), instead of making it.
flag=
flag_set=
while [ $# -gt 0 ]; do
	case $1 in
	--) shift; break ;;
	-config=* | --config=*) flag=${1#*=}; flag_set=1 ;;
	-config | --config)
		[ $# -ge 2 ] || { echo "flag needs an argument: -config" >&2; exit 2; }
		flag=$2; flag_set=1; shift ;;
	-debug | --debug | -debug=* | --debug=* | -version | --version) ;;
	-?*) echo "flag provided but not defined: $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ "$1" = prestart ] || { echo "usage: ${0##*/} [-config FILE] prestart" >&2; exit 2; }

required=
if [ -n "$flag_set" ]; then
	cfg=$flag; via=-config; required=1
elif [ "$ERA" != v1.17 ] && [ -n "$NVIDIA_CTK_CONFIG_FILE_PATH" ]; then
	cfg=$NVIDIA_CTK_CONFIG_FILE_PATH; via=NVIDIA_CTK_CONFIG_FILE_PATH; required=1
elif [ -f /run/nvidia/driver/etc/nvidia-container-runtime/config.toml ]; then
	cfg=/run/nvidia/driver/etc/nvidia-container-runtime/config.toml; via=driver-root
elif [ -f /etc/nvidia-container-runtime/config.toml ]; then
	cfg=/etc/nvidia-container-runtime/config.toml; via=default
else
	cfg=; via=built-in
fi
if [ -n "$required" ] && [ ! -f "$cfg" ]; then
	echo "couldn't open required configuration file: $cfg" >&2
	exit 1
fi

cli=$(setting nvidia-container-cli path nvidia-container-cli)
root=$(setting nvidia-container-cli root '')
kmods=$(setting nvidia-container-cli load-kmods true)
ldconfig=$(setting nvidia-container-cli ldconfig @/sbin/ldconfig)
call=$cli
[ -z "$root" ] || call="$call --root=$root"
[ "$kmods" != true ] || call="$call --load-kmods"
call="$call configure"
[ -z "$ldconfig" ] || call="$call --ldconfig=$ldconfig"
printf 'config=%s\nvia=%s\nvariable=%s\nexec=%s\n' "$cfg" "$via" "$NVIDIA_CTK_CONFIG_FILE_PATH" "$call"
