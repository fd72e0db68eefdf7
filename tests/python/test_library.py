"""The Python placeholder package loads libromkit.so and reads its error table."""
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python"))
import romkit  # noqa: E402

needs_lib = pytest.mark.skipif(not os.environ.get("ROMKIT_LIB"), reason="ROMKIT_LIB not set (run through ctest)")


@needs_lib
def test_error_table_matches_header():
    header = os.path.join(os.path.dirname(__file__), "..", "..", "include", "romkit", "error.h")
    text = open(header).read()
    # Every X(name, value, "message") row of the table must be what the library returns.
    import re
    rows = re.findall(r'X\((ROM_\w+), (-?\d+), "([^"]*)"\)', text)
    assert len(rows) >= 10
    for name, value, message in rows:
        assert romkit.error_name(int(value)) == name
        assert romkit.strerror(int(value)) == message


@needs_lib
def test_unknown_code():
    assert romkit.strerror(12345) == "unknown error code"
    assert romkit.error_name(12345) == "ROM_ERR_UNKNOWN"
