import sys

from pinlint.cli import main

sys.exit(main())
