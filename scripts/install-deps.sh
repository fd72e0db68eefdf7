#!/usr/bin/env bash
# Installs the Debian 12 packages romkit needs, when they are missing.
# As root: runs apt-get update + install. Otherwise: prints the one install line.
set -euo pipefail
packages=(cmake make gcc pkg-config libopenmpi-dev openmpi-bin libhdf5-openmpi-dev hdf5-tools
          libscalapack-openmpi-dev libopenblas-dev liblapacke-dev
          libsuitesparse-dev python3-numpy python3-h5py python3-pytest python3-mpi4py)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
  echo "romkit: installing missing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "romkit: missing packages. Install them with:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
