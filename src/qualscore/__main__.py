"""``python -m qualscore``."""

import sys

from qualscore.cli.app import run_process

sys.exit(run_process())
