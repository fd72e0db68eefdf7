"""File names with a NUL character are refused before C sees them (C would stop at the NUL:
'dir/a\\0b.h5' would write 'dir/a'); writes publish only complete files (docs/reliability.md,
"Writing files")."""
import os

import numpy as np
import pytest


def _basis(rk):
    rng = np.random.default_rng(0)
    return rk.pod(np.asfortranarray(rng.standard_normal((60, 6))), rank=3)


def test_nul_in_a_path_is_refused(rk, tmp_path):
    basis = _basis(rk)
    bad = str(tmp_path / "a\x00b.h5")
    for write in (basis.write, basis.write_librom):
        with pytest.raises(ValueError, match="NUL"):
            write(bad)
    with pytest.raises(ValueError, match="NUL"):
        rk.Basis.read(bad)
    with pytest.raises(ValueError, match="NUL"):
        rk.Snapshots(10, stream_path=bad)
    assert os.listdir(tmp_path) == [], "nothing may be written (not even 'a')"


def test_write_publishes_one_whole_file(rk, tmp_path):
    basis = _basis(rk)
    target = tmp_path / "b.h5"
    (tmp_path / "b.h5.partial").write_text("the user's own file")
    basis.write(str(target))
    assert sorted(os.listdir(tmp_path)) == ["b.h5", "b.h5.partial"]
    assert (tmp_path / "b.h5.partial").read_text() == "the user's own file"
    again = rk.Basis.read(str(target))
    assert np.allclose(again.singular_values, basis.singular_values)
    with pytest.raises(rk.RomkitError):
        basis.write(str(target))  # exists, no overwrite
    assert sorted(os.listdir(tmp_path)) == ["b.h5", "b.h5.partial"]
