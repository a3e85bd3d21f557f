# Shared by the benchmark scripts (source it; with --no-torch, PyTorch is not installed). Sets: here, app (a private copy of the jar), data_dir, and the
# command arrays digitlab (runs the private copy) and torch_python (PyTorch 2.x in the project's venv, made when
# missing); defines peak_rss (runs a command, writes its peak RSS in MB to a file), median and machine (one line).
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$here/digitlab" --version >/dev/null   # builds the jar if needed
# A private copy of the jar, so that editing sources meanwhile cannot rebuild it under a running benchmark.
app="$(mktemp -d)"
trap 'rm -rf "$app"' EXIT
cp -r "$here/target/digitlab.jar" "$here/target/lib" "$app/"
data_dir="${DIGITLAB_DATA:-$HOME/.cache/digitlab}/mnist"

digitlab=(env DIGITLAB_JAR="$app/digitlab.jar" "$here/digitlab") # the launcher, as users run it

# A current PyTorch 2.x from the machine's package index, in the project's venv (interop/venv makes it once); OpenBLAS
# must not start threads that fight torch's own. Scripts that need no PyTorch source this file with --no-torch.
if [ "${1:-}" != "--no-torch" ]; then
  torch_python=(env OPENBLAS_NUM_THREADS=1 "$("$here/interop/venv")")
fi

# peak_rss FILE CMD...: runs CMD; FILE gets its peak resident memory in MB (GNU time's %M is in KB).
peak_rss() {
  local f="$1"; shift
  if [ ! -x /usr/bin/time ]; then
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get install -y -q time >&2
  fi
  /usr/bin/time -f '%M' -o "$f.kb" "$@"
  echo $(( $(tail -1 "$f.kb") / 1024 )) >"$f"
}

# median N...: the median of the numbers given
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(java -version 2>&1 | head -1), $("${torch_python[@]:-false}" -c 'import torch; print("PyTorch", torch.__version__)' 2>/dev/null || echo 'no PyTorch')"
}
