"""``python -m sensorkit.cli`` runs the command line."""

import sys

from sensorkit.cli import main

sys.exit(main())
