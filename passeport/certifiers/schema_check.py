"""Schema validation of a large flux in a separate process, alongside its processing.

The deposit pipeline reads a large file once without the schema (about twice as fast) and,
meanwhile, this process validates it with the schema on the other core. Nothing is committed
before the verdict: a file found invalid leaves nothing behind, as in the one-pass mode.
Run as ``python -m passeport.certifiers.schema_check FILE``: exit 0 valid, 1 invalid. It
imports no Django, touches no database.

The validation itself is libxml2's streaming schema validator (``xmlSchemaValidateFile``),
the very one ``iterparse(schema=…)`` plugs into its parser, from the libxml2 inside lxml,
but without building a tree nor calling into Python for each element: it costs about 60 %
of ``iterparse``. The file is first checked like any deposit (``parsing.precheck``, no
DOCTYPE, hence no entity); a failure of libxml2 itself (not a verdict) and a missing
library fall back to ``iterparse``: no verdict is ever guessed. Tests require both ways to
agree on the schema conformance corpus.
"""

import ctypes
import functools
import subprocess
import sys
from pathlib import Path

VALID, INVALID = 0, 1


class SchemaCheck:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", __name__, str(self.path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def failed(self) -> bool:
        """True as soon as the file is known invalid (never blocks)."""
        return self._proc.poll() == INVALID

    def valid(self) -> bool:
        """Wait for the verdict. Should the checking process die (killed, out of memory),
        the file is validated here instead: no verdict is ever guessed."""
        code = self._proc.wait()
        if code in (VALID, INVALID):
            return code == VALID
        return is_valid(self.path)

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def is_valid(path: str | Path) -> bool:
    """Whether the file is well-formed and valid against our schema."""
    from passeport.certifiers.parsing import precheck

    with open(path, "rb") as fh:
        if precheck(fh, whole_file=False):
            return False
    verdict = _streaming_verdict(Path(path))
    return _tree_verdict(Path(path)) if verdict is None else verdict


def _tree_verdict(path: Path) -> bool:
    from passeport.certifiers.reader import FluxReader, SchemaInvalid

    try:
        FluxReader(path).scan()
    except SchemaInvalid:
        return False
    return True


def _streaming_verdict(path: Path) -> bool | None:
    """libxml2's verdict: True, False, or None if it could not give one."""
    lib = _libxml2()
    if lib is None:
        return None
    context = lib.xmlSchemaNewValidCtxt(_compiled_schema(lib))
    if not context:
        return None
    try:
        code = lib.xmlSchemaValidateFile(context, str(path).encode(), 0)
    finally:
        lib.xmlSchemaFreeValidCtxt(context)
    if code == 0:
        return True
    if code > 0:  # a libxml2 error code: the first problem found
        return False
    return None  # -1: internal error, or a parsing error; iterparse tells which


@functools.cache
def _libxml2() -> ctypes.CDLL | None:
    """The libxml2 lxml runs on (linked into lxml.etree on the usual wheels)."""
    from lxml import etree

    try:
        lib = ctypes.CDLL(etree.__file__)
        functions = {
            "xmlSchemaNewParserCtxt": ([ctypes.c_char_p], ctypes.c_void_p),
            "xmlSchemaParse": ([ctypes.c_void_p], ctypes.c_void_p),
            "xmlSchemaFreeParserCtxt": ([ctypes.c_void_p], None),
            "xmlSchemaNewValidCtxt": ([ctypes.c_void_p], ctypes.c_void_p),
            "xmlSchemaFreeValidCtxt": ([ctypes.c_void_p], None),
            "xmlSchemaValidateFile": (
                [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int],
                ctypes.c_int,
            ),
        }
        for name, (args, result) in functions.items():
            function = getattr(lib, name)
            function.argtypes, function.restype = args, result
    except (OSError, AttributeError):
        return None
    if not _compiled_schema(lib):
        return None
    return lib


@functools.cache
def _compiled_schema(lib: ctypes.CDLL) -> int | None:
    from passeport.certifiers.schema import SCHEMA_PATH

    parser = lib.xmlSchemaNewParserCtxt(str(SCHEMA_PATH).encode())
    if not parser:
        return None
    try:
        return lib.xmlSchemaParse(parser)
    finally:
        lib.xmlSchemaFreeParserCtxt(parser)


if __name__ == "__main__":
    sys.exit(VALID if is_valid(Path(sys.argv[1])) else INVALID)
