"""`python3 -m irene_measure ...` (with harness/ on the path): the same as harness/irene_measure.py."""

import sys

from .cli import main

sys.exit(main())
