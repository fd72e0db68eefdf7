"""pytest set-up for the romkit package tests: the package comes from python/ in the
source tree, the library from $ROMKIT_LIB (set by ctest) or build/libromkit.so."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "python"))

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def library_or_skip():
    """Loads libromkit.so through the package, or skips the test with the reason."""
    import romkit
    try:
        romkit.load_library()
    except OSError as e:
        if os.environ.get("ROMKIT_LIB"):   # ctest named the library: it must work
            pytest.fail(f"ROMKIT_LIB={os.environ['ROMKIT_LIB']} is not usable: {e}")
        pytest.skip(f"libromkit.so not usable (set ROMKIT_LIB to a current build): {e}")
    return romkit


@pytest.fixture
def rk():
    """The romkit package with its library loaded."""
    return library_or_skip()


@pytest.fixture
def ctx(rk):
    """A fresh serial context, closed after the test."""
    with rk.Context() as c:
        yield c
