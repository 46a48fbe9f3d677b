import subprocess
import sys

import pytest

from lakehouse.runtime.locks import file_lock

PROBE = ("import fcntl, sys\nfh = open(sys.argv[1], 'w')\n"
         "try:\n    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(3)\n")


def _other_process_can_lock(path) -> bool:
    return subprocess.run([sys.executable, "-c", PROBE, str(path)]).returncode == 0


def test_lock_excludes_other_processes_until_released(tmp_path):
    path = tmp_path / "x.lock"
    with file_lock(path):
        assert not _other_process_can_lock(path)
    assert _other_process_can_lock(path)


def test_lock_on_a_folder_is_refused(tmp_path):
    with pytest.raises(IsADirectoryError):
        with file_lock(tmp_path):
            pass
