import sys

from civscore.cli import main

sys.exit(main())
