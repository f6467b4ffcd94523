# Stand-in for nvidia-container-runtime (and .cdi, .legacy) of one toolkit era. It looks for its config file the
# way that era's runtime does (internal/config GetConfigFilePath; a missing file means built-in defaults):
#   v1.17 and older: $XDG_CONFIG_HOME/nvidia-container-runtime/config.toml, else /etc/nvidia-container-runtime/config.toml
#   v1.18 and newer: $NVIDIA_CTK_CONFIG_FILE_PATH first, then as v1.17
# then, like the real runtime, appends a log line to the file named by nvidia-container-runtime.debug (built-in
# default /dev/null), and reports on stdout what it found.
if [ "$ERA" != v1.17 ] && [ -n "$NVIDIA_CTK_CONFIG_FILE_PATH" ]; then
	cfg=$NVIDIA_CTK_CONFIG_FILE_PATH
	via=NVIDIA_CTK_CONFIG_FILE_PATH
elif [ -n "$XDG_CONFIG_HOME" ]; then
	cfg=$XDG_CONFIG_HOME/nvidia-container-runtime/config.toml
	via=XDG_CONFIG_HOME
else
	cfg=/etc/nvidia-container-runtime/config.toml
	via=default
fi
[ -f "$cfg" ] || { cfg=; via=built-in; }
debug=$(setting nvidia-container-runtime debug /dev/null)
printf 'config=%s\nvia=%s\ndebug=%s\n' "$cfg" "$via" "$debug"
printf '%s (%s stand-in) config %s args %s\n' "${0##*/}" "$ERA" "$cfg" "$*" >>"$debug"
