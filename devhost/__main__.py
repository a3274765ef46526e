"""``python -m devhost start ...``"""

import sys

from devhost.cli import main

sys.exit(main())
