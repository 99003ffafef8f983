# Shared by the chaos runtimes: OP is the first non-option argument, GLOBAL the options before it.
REAL="${OCI_CHECK_REAL_RUNTIME:-runc}"
op() {
    skip=0
    for a in "$@"; do
        if [ "$skip" = 1 ]; then skip=0; continue; fi
        case "$a" in
            --root|--log|--log-format|--criu) skip=1 ;;
            -*) ;;
            *) echo "$a"; return ;;
        esac
    done
}
# The bundle directory of a create call (--bundle B / -b B), empty otherwise.
bundle() {
    prev=
    for a in "$@"; do
        case "$prev" in --bundle|-b) echo "$a"; return ;; esac
        prev="$a"
    done
}
