import sys

try:
    from .cli import main

    sys.exit(main())
except KeyboardInterrupt:  # Ctrl-C while Python was still starting up: no traceback
    sys.stderr.write("gxxl：已中断\n")
    sys.exit(130)
