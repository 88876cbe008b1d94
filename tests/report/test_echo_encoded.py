"""A big report goes to standard output a slice at a time, as the same bytes."""

from __future__ import annotations

import pytest

from pauselint.commands import output
from pauselint.commands.output import echo_encoded, encoded


@pytest.mark.parametrize("size", [10, output.ECHO_STEP, 2 * output.ECHO_STEP + 7])
def test_a_report_written_in_slices_is_the_same_bytes(
        capsysbinary: pytest.CaptureFixture[bytes], size: int) -> None:
    # Non-ASCII, a character outside the BMP and a lone surrogate (an undecodable
    # file name) at every slice boundary: UTF-8 encodes each code point on its own.
    pattern = "aé😀\udce9\n"
    text = (pattern * (size // len(pattern) + 1))[:size]
    echo_encoded(text, "json")
    assert capsysbinary.readouterr().out == encoded(text, "json", None)
