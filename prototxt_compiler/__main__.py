"""``python -m prototxt_compiler``: the same as the ``prototxt-compiler`` command."""
import sys

from .cli import console

sys.exit(console())
