#!/usr/bin/env python3
"""NumPy side of the .npy tests (tb/tests/test_npy.cpp), run with a real NumPy.

  npy_fixtures.py OUTDIR        write .npy files with NumPy for the C++ reader to check
  npy_fixtures.py --verify DIR  check the files the C++ writer put in DIR: NumPy loads them
                                with the right dtype, shape and values, and they are byte for
                                byte what numpy.save writes for the same array

The arrays here and the values test_npy.cpp expects are defined the same way in both files;
change them together. Exit status 0 on success, 1 on a mismatch, 2 on bad usage.
"""

import io
import os
import sys

import numpy as np


def fixtures():
    """Files NumPy writes: name -> (array, format version or None for np.save)."""
    f16 = np.float16
    return {
        # Readable fixtures.
        "f16_4d.npy": ((np.arange(120, dtype=np.float32).reshape(2, 3, 4, 5) * 0.25 - 15)
                       .astype(f16), None),
        "f16_special.npy": (np.array([0.0, -0.0, 1.0, -2.0, 65504.0, np.inf, -np.inf,
                                      2.0**-24, np.nan], dtype=f16), None),
        "f32_2d.npy": (np.arange(12, dtype=np.float32).reshape(3, 4) * np.float32(0.5)
                       - np.float32(1), None),
        "bf16_u2.npy": (np.array([0x3F80, 0xC020, 0x3E4D, 0x0000, 0x8000, 0x7F80, 0xFFFF],
                                 dtype=np.uint16), None),
        "mask_b1.npy": (np.arange(6).reshape(2, 3) % 2 == 0, None),
        "mask_u1.npy": (np.array([0, 1, 1, 0], dtype=np.uint8), None),
        "scalar_f4.npy": (np.array(3.25, dtype=np.float32), None),
        "empty_f2.npy": (np.zeros((0, 4), dtype=f16), None),
        "v2_f2.npy": (np.arange(4, dtype=f16).reshape(2, 2), (2, 0)),
        "v3_f2.npy": (np.arange(4, dtype=f16).reshape(2, 2), (3, 0)),
        "f64.npy": (np.array([0.0, -1.5, 0.1, 1e300], dtype=np.float64), None),
        # Files the reader must reject.
        "fortran_f2.npy": (np.asfortranarray(np.arange(6, dtype=f16).reshape(2, 3)), None),
        "bigendian_f4.npy": (np.arange(4, dtype=">f4"), None),
        "i16.npy": (np.arange(3, dtype=np.int16), None),
        "structured.npy": (np.zeros(2, dtype=[("a", "<f4"), ("b", "<u2")]), None),
    }


def written_by_cpp():
    """The arrays test_npy.cpp writes with write_npy: name -> expected array."""
    i120 = np.arange(120, dtype=np.uint32)
    return {
        "out_f2.npy": ((0x3C00 + 97 * i120) & 0xFFFF).astype(np.uint16).view(np.float16)
                      .reshape(2, 3, 4, 5),
        "out_f4.npy": np.arange(12, dtype=np.float32).reshape(3, 4) * np.float32(0.5)
                      - np.float32(1),
        "out_u2.npy": (0x3F80 + 3 * np.arange(7)).astype(np.uint16),
        "out_u1.npy": np.array([0, 1, 254, 255], dtype=np.uint8),
        "out_b1.npy": np.arange(12).reshape(2, 2, 3) % 3 == 0,
        "out_scalar.npy": np.array(3.25, dtype=np.float32),
        "out_f8.npy": np.array([0.1, -2.0, 1e-310], dtype=np.float64),
        "out_empty.npy": np.zeros((0, 4), dtype=np.float16),
        "out_wide.npy": np.zeros((1234567, 0), dtype=np.uint8),
    }


def write_fixtures(outdir):
    os.makedirs(outdir, exist_ok=True)
    for name, (array, version) in fixtures().items():
        path = os.path.join(outdir, name)
        if version is None:
            np.save(path, array)
        else:
            with open(path, "wb") as f:
                np.lib.format.write_array(f, array, version=version)
    print(f"npy_fixtures: wrote {len(fixtures())} files to {outdir} with NumPy {np.__version__}")
    return 0


def verify(directory):
    errors = []
    expected = written_by_cpp()
    for name, want in expected.items():
        path = os.path.join(directory, name)
        try:
            got = np.load(path, allow_pickle=False)
        except Exception as e:  # noqa: BLE001 - any failure to load is the finding
            errors.append(f"{name}: NumPy cannot load it: {e}")
            continue
        if got.dtype.str != want.dtype.str:
            errors.append(f"{name}: dtype {got.dtype.str}, expected {want.dtype.str}")
        elif got.shape != want.shape:
            errors.append(f"{name}: shape {got.shape}, expected {want.shape}")
        elif got.tobytes() != want.tobytes():
            errors.append(f"{name}: values differ: {got!r} != {want!r}")
        buf = io.BytesIO()
        np.save(buf, want)
        with open(path, "rb") as f:
            raw = f.read()
        if raw != buf.getvalue():
            errors.append(f"{name}: bytes differ from numpy.save's:\n  ours:  {raw[:160]!r}\n"
                          f"  numpy: {buf.getvalue()[:160]!r}")
    for e in errors:
        print(f"npy_fixtures --verify: {e}", file=sys.stderr)
    if errors:
        return 1
    print(f"npy_fixtures: {len(expected)} files written by write_npy verified with NumPy "
          f"{np.__version__}")
    return 0


def main(argv):
    if len(argv) == 2 and not argv[1].startswith("-"):
        return write_fixtures(argv[1])
    if len(argv) == 3 and argv[1] == "--verify":
        return verify(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
