#!/usr/bin/env bash
# Installs the Debian 12 packages romkit needs, when they are missing.
# As root: runs apt-get update + install. Otherwise: prints the one install line.
set -euo pipefail
packages=(cmake make gcc pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
          libscalapack-openmpi-dev libopenblas-dev liblapacke-dev
          libsuitesparse-dev python3-numpy python3-h5py python3-pytest python3-mpi4py
          python3-cffi python3-matplotlib python3-dolfinx python3-torch
          libnlopt-dev python3-nlopt libglpk-dev libsleef-dev)
# python3-cffi: the Python package loads libromkit.so through cffi, with the declarations
# generated from include/romkit.h at build time (python/romkit/_cdef.py).
# libnlopt-dev: the optimiser of rom_optimize / romkit optimize (docs/optimisation.md);
# python3-nlopt: the same from Python (python/romkit/optimize.py).
# libglpk-dev: the linear programs of the SCM coercivity lower bound (librom/affine/affine_scm.c).
# libsleef-dev: vectorised exp / tanh for the activations of the online decoder pass
# (librom/manifold/activation_vec.c, docs/nonlinear.md); optional at build time.
# python3-matplotlib: the plots of the Python package (romkit.plot: DMD eigenvalues, modes and
# predictions, P3 figures) and their tests.
# python3-torch: the PyTorch side of the autoencoder comparison (scripts/torch_p1_epoch.py,
# docs/benchmarks.md) and its test (tests/python/test_torch_variants.py).
# python3-dolfinx (DOLFINx 0.5 + PETSc 3.18, ~150 packages with its dependencies) is what
# examples/fem_dolfinx and its test (tests/cli/fem_example.sh) need; ROMKIT_SKIP_FEM=1 at
# test time skips that test on a machine without it.
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "romkit: installing ${#missing[@]} missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  echo "romkit: + apt-get update -qq"
  apt-get update -qq
  echo "romkit: + apt-get install -y -qq --no-install-recommends ${missing[*]}"
  if [[ " ${missing[*]} " == *" python3-dolfinx "* ]]; then
    echo "romkit:   (python3-dolfinx brings DOLFINx and PETSc: ~150 packages, a few minutes)"
  fi
  start=$SECONDS
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  echo "romkit: installed in $((SECONDS - start)) s"
else
  echo "romkit: missing packages. Install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
