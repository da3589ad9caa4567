#!/usr/bin/env bash
# Compiles selective_scan.cu into a fatbin: machine code for sm_80, sm_86 and sm_90 and PTX
# (compute_90) that newer GPUs' drivers compile at load. Called by the nd4j-ssm-ops build
# (profile cuda-kernels) with the output path; does nothing, with a message, when nvcc is
# neither on the PATH nor at /usr/local/cuda/bin/nvcc, or when the output is up to date.
# Extra nvcc flags can come after the output path (the tuning build passes -DSSM_TUNING_SHAPES).
set -euo pipefail
out=${1:?usage: build-fatbin.sh OUTPUT.fatbin [nvcc flags...]}
shift
src_dir=$(cd "$(dirname "$0")" && pwd)
nvcc=$(command -v nvcc || true)
if [[ -z "$nvcc" && -x /usr/local/cuda/bin/nvcc ]]; then
    nvcc=/usr/local/cuda/bin/nvcc
fi
if [[ -z "$nvcc" ]]; then
    echo "[ssm4j] nvcc not found (PATH, /usr/local/cuda/bin): CUDA kernels not built; the CUDA scan will report itself unavailable"
    exit 0
fi
if [[ -f "$out" && -z "$(find "$src_dir" -newer "$out" -name '*.cu' -o -newer "$out" -name '*.sh')" ]]; then
    echo "[ssm4j] $out is up to date"
    exit 0
fi
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
echo "[ssm4j] compiling CUDA kernels with $nvcc (sm_80, sm_86, sm_90 + PTX)"
"$nvcc" -std=c++17 -O3 --threads 0 -fatbin \
    -gencode arch=compute_80,code=sm_80 \
    -gencode arch=compute_86,code=sm_86 \
    -gencode arch=compute_90,code=sm_90 \
    -gencode arch=compute_90,code=compute_90 \
    "$@" -o "$tmp" "$src_dir/selective_scan.cu"
mv "$tmp" "$out"
trap - EXIT
