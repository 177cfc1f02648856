"""``python -m qualscore``."""

import sys

from qualscore.cli.app import main

sys.exit(main())
