"""`python -m web_ui`: the web process."""

import sys

from web_ui.process import main

sys.exit(main())
