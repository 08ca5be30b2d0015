"""The bundle's entry point: PyInstaller needs a script, and beacon's own is a module."""

import sys

from beacon.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
