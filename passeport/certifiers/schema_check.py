"""Schema validation of a large flux in a separate process, alongside its processing.

The deposit pipeline reads a large file once without the schema (about twice as fast) and,
meanwhile, this process validates it with the schema on the other core. Nothing is committed
before the verdict: a file found invalid leaves nothing behind, as in the one-pass mode.
Run as ``python -m passeport.certifiers.schema_check FILE``: exit 0 valid, 1 invalid. It
imports no Django, touches no database.
"""

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
        return _is_valid(self.path)

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()


def _is_valid(path: Path) -> bool:
    from passeport.certifiers.reader import FluxReader, SchemaInvalid

    try:
        FluxReader(path).scan()
    except SchemaInvalid:
        return False
    return True


if __name__ == "__main__":
    sys.exit(VALID if _is_valid(Path(sys.argv[1])) else INVALID)
