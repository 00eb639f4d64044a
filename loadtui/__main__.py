import sys

from loadtui.cli import main

sys.exit(main())
