#!/usr/bin/env python3
"""IrEne measuring harness: `python3 harness/irene_measure.py --help`.

The harness is the package next to this file (irene_measure/, see its
__init__.py); this script keeps the documented command line, the one the
extension and the CLI run, working. Python finds the package before this file
because a folder wins over a module of the same name on the path.
"""

import os
import sys

# The harness runs from an installed extension, whose folder may be read-only
# and ships no bytecode caches: do not write any.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from irene_measure.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
